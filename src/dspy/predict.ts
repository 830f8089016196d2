// The basic module, like dspy.Predict: validate the inputs against the
// signature, then format → LM → parse through the context's adapter (ChatAdapter
// by default). Result fields come from the first completion; all are kept.
import { ChatAdapter } from "./adapters/chat";
import { currentContext, throwIfAborted } from "./context";
import type { LM, LMKwargs } from "./lm";
import { type CallOptions, type Demo, type Inputs, Module } from "./module";
import { Prediction } from "./prediction";
import { ensureSignature, type Signature } from "./signature";

export class Predict extends Module {
  static override readonly className: string = "Predict";
  readonly signature: Signature;
  /** LM kwargs for every call (temperature, n, …); a call's `config` is merged over them. */
  config: LMKwargs;
  /** Few-shot examples: records of field values (incomplete ones are allowed). */
  demos: Demo[] = [];
  /** This module's own LM; otherwise the context's. */
  lm?: LM;

  constructor(signature: Signature | string, config: LMKwargs = {}) {
    super();
    this.signature = ensureSignature(signature);
    this.config = { ...config };
  }

  /** The inputs the adapter formats: validated against the signature and parsed. */
  protected checkInputs(inputs: Inputs): Record<string, unknown> {
    return this.signature.validateInputs(inputs);
  }

  override async forward(inputs: Inputs, options: CallOptions = {}): Promise<Prediction> {
    const lm = options.lm ?? this.lm ?? currentContext().lm;
    if (!lm) {
      throw new Error(
        `No LM is configured for ${this.path}: run it inside context({ lm: new LM("gpt-4o-mini", …) }, …) or set its .lm`,
      );
    }
    const config: LMKwargs = { ...this.config, ...options.config };
    // Several samples at (near) zero temperature would all be the same: DSPy raises it to 0.7.
    // Python's `or`, as DSPy writes it: a temperature of 0 in the call's config falls through to the LM's.
    const temperature = (config.temperature || lm.kwargs.temperature) as number | undefined;
    const n = (config.n || lm.kwargs.n || lm.kwargs.num_generations || 1) as number;
    if ((temperature === undefined || temperature <= 0.15) && n > 1) config.temperature = 0.7;

    const values = this.checkInputs(inputs);
    throwIfAborted();
    const adapter = currentContext().adapter ?? new ChatAdapter();
    const completions = await adapter.call(lm, config, this.signature, options.demos ?? this.demos, values);
    return Prediction.fromCompletions(completions);
  }
}
