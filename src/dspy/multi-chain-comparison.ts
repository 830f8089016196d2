// Compare M reasoning attempts and answer once more, like
// dspy.MultiChainComparison (dspy/predict/multi_chain_comparison.py): each
// attempt becomes an input `reasoning_attempt_i` rendered as
// «I'm trying to {rationale} I'm not sure but my prediction is {answer}»,
// and the output gains a leading `rationale`.
import type { LMKwargs } from "./lm";
import { type CallOptions, type Inputs, Module } from "./module";
import { Predict } from "./predict";
import { Prediction } from "./prediction";
import { pyStr, pyStrip } from "./adapters/python-text";
import { ensureSignature, type Field, type Signature } from "./signature";

export interface MultiChainComparisonOptions extends LMKwargs {
  /** Attempts expected per call (DSPy: 3). */
  M?: number;
  /** DSPy: 0.7. Other keys are LM kwargs for the inner Predict. */
  temperature?: number;
}

type Completion = Prediction | Record<string, unknown>;

function field(completion: Completion, name: string): unknown {
  return completion instanceof Prediction ? completion.get(name) : completion[name];
}

/** str(value).strip().split("\n")[0].strip(): Python's text of the value (1.0, True), first line. */
const firstLine = (value: unknown) => pyStrip(pyStrip(pyStr(value)).split("\n")[0]);

export class MultiChainComparison extends Module {
  static override readonly className: string = "MultiChainComparison";
  readonly M: number;
  readonly lastKey: string;
  readonly predict: Predict;

  constructor(signature: Signature | string, options: MultiChainComparisonOptions = {}) {
    super();
    const { M = 3, temperature = 0.7, ...config } = options;
    this.M = M;
    let sig = ensureSignature(signature);
    const outputs = sig.outputFields;
    if (outputs.length === 0) throw new Error("MultiChainComparison needs a signature with at least one output field");
    this.lastKey = outputs[outputs.length - 1].name;
    for (let idx = 1; idx <= M; idx++) {
      sig = sig.append(`reasoning_attempt_${idx}`, {
        kind: "input",
        prefix: `Student Attempt #${idx}:`,
        desc: "${reasoning attempt}",
      });
    }
    sig = sig.prepend("rationale", {
      kind: "output",
      prefix: "Accurate Reasoning: Thank you everyone. Let's now holistically",
      desc: "${corrected reasoning}",
    });
    this.predict = new Predict(sig, { temperature, ...config });
  }

  get signature(): Signature {
    return this.predict.signature;
  }

  /** The inner Predict's: `rationale`, then the signature's outputs. */
  override resultFields(): readonly Field[] {
    return this.predict.resultFields();
  }

  /** `inputs.completions`: M earlier results (Predictions or records) with `rationale` or `reasoning` and the last output. */
  override forward(inputs: Inputs, options?: CallOptions): Promise<Prediction> {
    const { completions, ...rest } = inputs;
    if (!Array.isArray(completions)) throw new TypeError("MultiChainComparison needs `completions`: an array of earlier results");
    const attempts = (completions as Completion[]).map((c) => {
      const rationale = firstLine(field(c, "rationale") ?? field(c, "reasoning"));
      const answer = firstLine(field(c, this.lastKey));
      return `«I'm trying to ${rationale} I'm not sure but my prediction is ${answer}»`;
    });
    if (attempts.length !== this.M) {
      throw new Error(
        `The number of attempts (${attempts.length}) doesn't match the expected number M (${this.M}). ` +
          "Please set the correct value for M when initializing MultiChainComparison.",
      );
    }
    const kwargs = { ...Object.fromEntries(attempts.map((a, i) => [`reasoning_attempt_${i + 1}`, a])), ...rest };
    return this.predict.call(kwargs, options);
  }
}
