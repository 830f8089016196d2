// BestOfN that learns from its misses, like dspy.Refine (dspy/predict/refine.py):
// after an attempt below the threshold, an OfferFeedback Predict reads the
// program, its trace, outputs and reward, and writes advice per predictor;
// the next attempt's predictors each get theirs as an extra input `hint_`.
import type { Adapter } from "./adapters/base";
import { ChatAdapter } from "./adapters/chat";
import { describeFields } from "./adapters/format-value";
import { dedent, NO_HINT, pyFloatRepr, pyJsonDumps, type NumberHint } from "./adapters/python-text";
import { attemptBaseLM, BestOfN, namedPredictors, runAttempt, type BestOfNOptions } from "./best-of-n";
import type { Callback } from "./callbacks";
import { currentContext } from "./context";
import type { CallOptions, Inputs, Module } from "./module";
import { Predict } from "./predict";
import type { Prediction } from "./prediction";
import { type Field, Signature } from "./signature";
import { numberHint } from "./types";

export const OfferFeedback = new Signature(
  {
    inputs: {
      program_code: { type: "str", desc: "The code of the program that we are analyzing" },
      modules_defn: { type: "str", desc: "The definition of each module in the program, including its I/O" },
      program_inputs: { type: "str", desc: "The inputs to the program that we are analyzing" },
      program_trajectory: { type: "str", desc: "The trajectory of the program's execution, showing each module's I/O" },
      program_outputs: { type: "str", desc: "The outputs of the program that we are analyzing" },
      reward_code: { type: "str", desc: "The code of the reward function that we are analyzing" },
      target_threshold: { type: "float", desc: "The target threshold for the reward function" },
      reward_value: { type: "float", desc: "The reward value assigned to the program's outputs" },
      module_names: { type: "list[str]", desc: "The names of the modules in the program, for which we seek advice" },
    },
    outputs: {
      discussion: { type: "str", desc: "Discussing blame of where each module went wrong, if it did" },
      advice: {
        type: "dict[str, str]",
        // The missing space in "kind ofscenario" is DSPy's.
        desc:
          "For each module, describe very concretely, in this order: the specific scenarios in which it has made " +
          "mistakes in the past and what each mistake was, followed by what it should do differently in that kind of" +
          "scenario in the future. If the module is not to blame, write N/A.",
      },
    },
  },
  `
    In the discussion, assign blame to each module that contributed to the final reward being below the threshold, if
    any. Then, prescribe concrete advice of how the module should act on its future input when we retry the process, if
    it were to receive the same or similar inputs. If a module is not to blame, the advice should be N/A.
    The module will not see its own history, so it needs to rely on entirely concrete and actionable advice from you
    to avoid the same mistake on the same or similar inputs.
  `,
);

const HINT_FIELD = { kind: "input", type: "str", desc: "A hint to the module from an earlier run" } as const;

/** Each predictor's name, fields and instructions, as DSPy's inspect_modules prints them. */
export function inspectModules(predictors: [string, Predict][]): string {
  const separator = "-".repeat(80);
  const indent = (text: string) => ["", ...text.split("\n")].join("\n\t\t");
  const out = [separator];
  for (const [name, predictor] of predictors) {
    const sig = predictor.signature;
    out.push(`Module ${name}`);
    out.push("\n\tInput Fields:");
    out.push(indent(describeFields(sig.inputFields)));
    out.push("\tOutput Fields:");
    out.push(indent(describeFields(sig.outputFields)));
    out.push(`\tOriginal Instructions: ${indent(dedent(sig.instructions))}`);
    out.push(separator);
  }
  return out.map((o) => o.replace(/^\n+|\n+$/g, "")).join("\n");
}

/**
 * Records each Predict call of one attempt (DSPy's trace: predictor, inputs, outputs). In DSPy the
 * hint adapter writes `hint_` into the very inputs dict the trace holds, so a hinted attempt's trace
 * shows it; `hintFor` reproduces that.
 */
class PredictTrace implements Callback {
  readonly steps: { predictor: Predict; inputs: Inputs; outputs: Record<string, unknown> }[] = [];
  private readonly open = new Map<string, { predictor: Predict; inputs: Inputs }>();

  constructor(private readonly hintFor?: (predictor: Predict) => string) {}

  onModuleStart(callId: string, instance: unknown, inputs: Inputs): void {
    if (!(instance instanceof Predict)) return;
    const hinted = this.hintFor ? { ...inputs, hint_: this.hintFor(instance) } : inputs;
    this.open.set(callId, { predictor: instance, inputs: hinted });
  }

  onModuleEnd(callId: string, outputs: unknown, error: unknown): void {
    const call = this.open.get(callId);
    this.open.delete(callId);
    if (call && !error) this.steps.push({ ...call, outputs: (outputs as Prediction).outputs });
  }
}

/** The context's adapter, adding each predictor's advice as input `hint_` (DSPy's WrapperAdapter). */
function withHints(base: Adapter, advice: Record<string, unknown>, names: Map<Signature, string>): Adapter {
  // Inherits from the real adapter, so events still name it (ChatAdapter) and its fallback still applies.
  const wrapper: Adapter = Object.create(base);
  wrapper.call = (lm, lmKwargs, signature, demos, inputs) =>
    base.call(lm, lmKwargs, signature.append("hint_", HINT_FIELD), demos, { ...inputs, hint_: hintOf(advice, names.get(signature)) });
  return wrapper;
}

/** The advice for one predictor (by name), "N/A" when there is none. */
function hintOf(advice: Record<string, unknown>, name: string | undefined): string {
  return name !== undefined && advice[name] !== undefined ? String(advice[name]) : "N/A";
}

/** Numbers in a record of these fields print as their types say (a list[float] input's 1 as 1.0). */
function recordHint(fields: readonly Field[]): NumberHint {
  const byName = new Map(fields.map((f) => [f.name, numberHint(f.type)]));
  return { isFloat: false, item: () => NO_HINT, entry: (key) => byName.get(key) ?? NO_HINT };
}

/** orjson's float text (what DSPy dumps these with): Python's repr but `1e-7`, `1e20` for exponents. */
function orjsonFloat(n: number): string {
  return pyFloatRepr(n).replace(/e([+-])0*(\d)/, (_, sign: string, digit: string) => `e${sign === "-" ? "-" : ""}${digit}`);
}

/**
 * DSPy hands OfferFeedback every non-string input as text: `orjson.dumps(value, OPT_INDENT_2)`. So the
 * float fields get "1.0" and the list[str] `module_names` a two-space-indented JSON array. Our JSON
 * dump is json.dumps(indent=2)'s, which orjson's equals for these values.
 */
const indented = (value: unknown, hint: NumberHint = NO_HINT) => pyJsonDumps(value, { indent: 2, hint });

/** The OfferFeedback predictor: DSPy passes it pre-rendered text for typed fields, so none is re-validated. */
class FeedbackPredict extends Predict {
  static override readonly className: string = "Predict";

  protected override checkInputs(inputs: Inputs): Record<string, unknown> {
    return { ...inputs };
  }
}

export class Refine extends BestOfN {
  static override readonly className: string = "Refine";
  /** DSPy makes the feedback Predict inside forward: it is no part of a saved Refine. */
  static override readonly savedNames: Readonly<Record<string, string | null>> = { feedback: null };
  /** Writes the advice after a miss (events: `<path>.feedback`). */
  readonly feedback: Predict = new FeedbackPredict(OfferFeedback);
  private readonly moduleCode: string;
  private readonly rewardCode: string;

  constructor(module: Module, options: BestOfNOptions) {
    super(module, options);
    // DSPy shows the LM the source of the module's class and of the reward function.
    this.moduleCode = module.constructor.toString();
    this.rewardCode = options.rewardFn.toString();
  }

  override async forward(inputs: Inputs, options?: CallOptions): Promise<Prediction> {
    const lm = attemptBaseLM(this.module, options);
    const predictors = namedPredictors(this.module);
    const predictorNames = new Map(predictors.map(([name, p]) => [p, name] as const));
    const signatureNames = new Map(predictors.map(([name, p]) => [p.signature, name] as const));
    const baseAdapter = currentContext().adapter ?? new ChatAdapter();
    let advice: Record<string, unknown> | null = null;
    let trace = new PredictTrace();

    const attempt = (rid: number) => {
      const given = advice;
      trace = new PredictTrace(given ? (p) => hintOf(given, signatureNames.get(p.signature)) : undefined);
      return runAttempt(this.module, inputs, lm, rid, {
        callbacks: [...currentContext().callbacks, trace],
        adapter: advice ? withHints(baseAdapter, advice, signatureNames) : undefined,
      });
    };
    const own = (this.module as { signature?: unknown }).signature;
    const inputsHint = own instanceof Signature ? recordHint(own.inputFields) : NO_HINT;
    const outputsHint = recordHint(this.module.resultFields());
    const learn = async (outputs: Prediction, reward: number) => {
      const trajectory = trace.steps.map((s) => ({
        module_name: predictorNames.get(s.predictor) ?? s.predictor.path,
        inputs: s.inputs,
        outputs: s.outputs,
      }));
      const stepHints = trace.steps.map((s) => ({
        isFloat: false,
        item: () => NO_HINT,
        entry: (key: string) =>
          key === "inputs" ? recordHint(s.predictor.signature.inputFields) : key === "outputs" ? recordHint(s.predictor.signature.outputFields) : NO_HINT,
      }));
      const trajectoryHint: NumberHint = { isFloat: false, item: (i) => stepHints[i] ?? NO_HINT, entry: () => NO_HINT };
      const feedback = await this.feedback.call({
        program_code: this.moduleCode,
        modules_defn: inspectModules(predictors),
        program_inputs: indented(inputs, inputsHint),
        program_trajectory: indented(trajectory, trajectoryHint),
        program_outputs: indented(outputs.outputs, outputsHint),
        reward_code: this.rewardCode,
        target_threshold: this.threshold === undefined || this.threshold === null ? "null" : orjsonFloat(this.threshold),
        reward_value: orjsonFloat(reward),
        module_names: indented(predictors.map(([name]) => name)),
      });
      advice = (feedback.get("advice") ?? {}) as Record<string, unknown>;
    };
    return this.bestAttempt("Refine", inputs, lm, attempt, learn);
  }
}
