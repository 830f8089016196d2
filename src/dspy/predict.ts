// The basic module, like dspy.Predict: validate the inputs against the
// signature, then format → LM → parse through the context's adapter (ChatAdapter
// by default). Result fields come from the first completion; all are kept.
import { ChatAdapter } from "./adapters/chat";
import { currentContext, throwIfAborted } from "./context";
import type { LM, LMKwargs } from "./lm";
import { type CallOptions, type Demo, type Inputs, Module } from "./module";
import { Prediction } from "./prediction";
import {
  dumpDemos,
  dumpLM,
  dumpSignature,
  isJsonObject,
  loadLMState,
  loadSignature,
  type LoadOptions,
  PARAMETER,
  type PredictorState,
  type SavedState,
  SavedStateError,
  type SavedLM,
  warner,
} from "./saved-state";
import { ensureSignature, type Signature } from "./signature";

export class Predict extends Module {
  static override readonly className: string = "Predict";
  /** Marks a predictor: what a saved program holds state for (DSPy's Parameter). */
  readonly [PARAMETER] = true;
  /** Replaced by `loadState` (saved instructions, prefixes, descriptions); names and types stay. */
  signature: Signature;
  /** LM kwargs for every call (temperature, n, …); a call's `config` is merged over them. */
  config: LMKwargs;
  /** Few-shot examples: records of field values (incomplete ones are allowed). */
  demos: Demo[] = [];
  /** This module's own LM; otherwise the context's. */
  lm?: LM;
  /** The LM a loaded saved program gave this predictor, served on the context LM's endpoint. */
  savedLm?: SavedLM;
  /** Saved with the demos; always empty in practice (kept so a file round-trips). */
  traces: unknown[] = [];
  train: unknown[] = [];
  /** Keys of a loaded state that are not predictor state (a bare Predict's `metadata`), kept, never applied. */
  savedExtras: Record<string, unknown> = {};

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
    const contextLM = currentContext().lm;
    const lm = options.lm ?? this.lm ?? (this.savedLm && contextLM ? this.savedLm.bind(contextLM) : contextLM);
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

  /** DSPy's `Predict.dump_state()`: this predictor's state. A bare Predict's file is this, flat. */
  override dumpState(): PredictorState {
    return {
      traces: [...this.traces],
      train: [...this.train],
      demos: dumpDemos(this.demos),
      signature: dumpSignature(this.signature),
      lm: this.lm ? dumpLM(this.lm) : this.savedLm ? this.savedLm.dumpState() : null,
    };
  }

  /** Applies a flat predictor state (a bare Predict's saved file, `metadata` and all). */
  override loadState(state: SavedState, options: LoadOptions = {}): this {
    this.prepareLoad(state, "self", options, warner(options))();
    return this;
  }

  /**
   * Checks one predictor's saved state and returns how to apply it, so that a
   * module applies nothing unless every predictor's state is valid (DSPy loads
   * a deepcopy first for the same reason).
   */
  prepareLoad(state: unknown, path: string, options: LoadOptions, warn: (message: string) => void): () => void {
    if (!isJsonObject(state)) throw new SavedStateError("invalid_state", `Saved state of predictor \`${path}\` must be an object`, path);
    if ("extended_signature" in state) {
      throw new SavedStateError("legacy_state", "Loading extended_signature is no longer supported in DSPy 2.6+", path);
    }
    for (const key of ["signature", "lm"]) {
      if (!(key in state)) {
        throw new SavedStateError("missing_key", `Saved state of predictor \`${path}\` has no \`${key}\` (DSPy raises KeyError: '${key}')`, path);
      }
    }
    const signature = loadSignature(this.signature, state.signature, path);
    const savedLm = loadLMState(state.lm, path, options, warn);
    const lists: Partial<Record<"demos" | "traces" | "train", unknown[]>> = {};
    for (const key of ["demos", "traces", "train"] as const) {
      if (!(key in state)) continue;
      const value = state[key];
      if (!Array.isArray(value)) throw new SavedStateError("invalid_state", `Saved state of predictor \`${path}\`: \`${key}\` must be a list`, path);
      if (key === "demos" && !value.every(isJsonObject)) {
        throw new SavedStateError("invalid_state", `Saved state of predictor \`${path}\`: every demo must be an object of field values`, path);
      }
      lists[key] = value;
    }
    const extras = Object.fromEntries(Object.entries(state).filter(([k]) => !PREDICTOR_KEYS.has(k)));
    return () => {
      this.signature = signature;
      // A saved null clears an LM set in code, as DSPy's load does.
      this.lm = undefined;
      this.savedLm = savedLm ?? undefined;
      // Demos stay plain objects, `augmented` and all, as DSPy keeps them (the adapter reads only signature fields).
      if (lists.demos) this.demos = lists.demos.map((d) => ({ ...(d as Record<string, unknown>) }));
      if (lists.traces) this.traces = [...lists.traces];
      if (lists.train) this.train = [...lists.train];
      this.savedExtras = extras;
    };
  }
}

const PREDICTOR_KEYS = new Set(["signature", "lm", "demos", "traces", "train"]);
