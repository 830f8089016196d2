// Reason step by step before answering, like dspy.ChainOfThought: the
// signature gains a leading `reasoning` output, and an inner Predict (its
// events read `<path>.predict`) does the work.
import type { LMKwargs } from "./lm";
import { type CallOptions, type Inputs, Module } from "./module";
import { Predict } from "./predict";
import type { Prediction } from "./prediction";
import { ensureSignature, type Field, type Signature } from "./signature";

export class ChainOfThought extends Module {
  static override readonly className: string = "ChainOfThought";
  readonly predict: Predict;

  constructor(signature: Signature | string, config: LMKwargs = {}) {
    super();
    const extended = ensureSignature(signature).prepend("reasoning", { kind: "output", type: "str", desc: "${reasoning}" });
    this.predict = new Predict(extended, config);
  }

  get signature(): Signature {
    return this.predict.signature;
  }

  /** The inner Predict's: `reasoning`, then the signature's outputs. */
  override resultFields(): readonly Field[] {
    return this.predict.resultFields();
  }

  override forward(inputs: Inputs, options?: CallOptions): Promise<Prediction> {
    return this.predict.call(inputs, options);
  }
}
