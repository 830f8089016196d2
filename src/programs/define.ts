// A program: a named module factory with a description, an optional LM of its
// own and a streaming default. `defineProgram` derives the rest (module kind,
// public signature) from one instance of the module.
import type { Adapter } from "../dspy/adapters/base";
import type { LM } from "../dspy/lm";
import type { Module } from "../dspy/module";
import { parseSavedState, type SavedState } from "../dspy/saved-state";
import type { Field, Signature } from "../dspy/signature";
import { classNameOf } from "../dspy/utils/class-name";
import { configuredLM, type LMEnv } from "./lm-config";
import { programNameProblem } from "./names";

export interface ProgramSpec {
  /** URL segment: `POST /{name}`. Lowercase letters, digits, `-` and `_`. */
  name: string;
  description: string;
  /** Builds a fresh module for each run (modules hold per-call state such as paths). */
  module: () => Module;
  /** The signature callers see; defaults to the module's own (a ChainOfThought's includes `reasoning`). */
  signature?: Signature;
  /** This program's LM instead of the configured one (another model, a scripted LM in tests). */
  lm?: (env: LMEnv) => LM;
  /** Whether the UI streams by default; default: true for anything but a plain Predict. */
  streaming?: boolean;
  /** The adapter every run uses (ChatAdapter when absent, as DSPy): `new JSONAdapter()`, `new XMLAdapter()`. */
  adapter?: Adapter;
  /**
   * A program DSPy saved (`program.save("x.json")`), bundled with the Worker
   * (`import state from "./x.json"`) or as JSON text: loaded into every fresh
   * module, as `module.load(state)`. A state uploaded with
   * `PUT /api/programs/{name}/state` replaces it.
   */
  state?: object | string;
  /** Keep `api_base`/`base_url` of LMs in the bundled state (DSPy's allow_unsafe_lm_state). Only for files you trust. */
  allowUnsafeLmState?: boolean;
  /**
   * The module kind the catalogue shows; default: the root module's class. A custom root
   * that only wires DSPy modules together can name the one it is about.
   */
  kind?: string;
  /** Example inputs for a first visit ("Try an example"); each must pass the signature's input checks. */
  examples?: Record<string, unknown>[];
}

export interface Program {
  readonly name: string;
  readonly description: string;
  /** The root module's class: Predict, ChainOfThought, ReAct, … */
  readonly kind: string;
  readonly signature: Signature;
  /** The fields of a run's result, the root module's `resultFields()` (ReAct's include `trajectory`). */
  readonly resultFields: readonly Field[];
  readonly streaming: boolean;
  /** The adapter runs use; undefined means ChatAdapter. */
  readonly adapter?: Adapter;
  /** The saved state bundled with the program, parsed; null without one. */
  readonly state: SavedState | null;
  /**
   * A fresh module with the bundled state loaded, or `uploaded` in its place
   * (applied as `loadState`: its metadata is checked when it is uploaded).
   */
  create(uploaded?: SavedState, onWarning?: (message: string) => void): Module;
  readonly examples: readonly Record<string, unknown>[];
  /** The LM a run of this program uses, built per run. */
  lm(env: LMEnv): LM;
}

/** The module's own signature, else its inner predictor's (ChainOfThought), else a wrapped module's (BestOfN, Refine). */
function signatureOf(module: unknown): Signature | undefined {
  const m = module as { signature?: Signature; predict?: { signature?: Signature }; module?: unknown } | undefined;
  return m?.signature ?? m?.predict?.signature ?? (m?.module ? signatureOf(m.module) : undefined);
}

export function defineProgram(spec: ProgramSpec): Program {
  const nameProblem = programNameProblem(spec.name);
  if (nameProblem) throw new Error(nameProblem);
  const state = spec.state === undefined ? null : parseSavedState(spec.state);
  const loadOptions = { allowUnsafeLmState: spec.allowUnsafeLmState };
  const probe = spec.module();
  if (state) {
    // Checked once here, with its warnings; a bad file fails at startup, naming the program.
    try {
      probe.load(state, { ...loadOptions, onWarning: (m) => console.warn(`Program "${spec.name}": ${m}`) });
    } catch (error) {
      throw new Error(`Program "${spec.name}": its saved state cannot be loaded: ${(error as Error).message}`, { cause: error });
    }
  }
  const signature = spec.signature ?? signatureOf(probe);
  if (!signature) throw new Error(`Program "${spec.name}": its module has no signature; pass \`signature\``);
  const kind = spec.kind ?? classNameOf(probe);
  const examples = spec.examples ?? [];
  for (const [i, example] of examples.entries()) {
    try {
      signature.validateInputs(example);
    } catch (error) {
      throw new Error(`Program "${spec.name}": example ${i + 1} does not fit its signature: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  let resultFields: readonly Field[];
  try {
    resultFields = probe.resultFields();
  } catch (error) {
    // A custom module that cannot say what it returns: the declared signature's outputs stand in.
    if (spec.signature) resultFields = spec.signature.outputFields;
    else throw new Error(`Program "${spec.name}": ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return {
    name: spec.name,
    description: spec.description,
    kind,
    signature,
    resultFields,
    streaming: spec.streaming ?? kind !== "Predict",
    adapter: spec.adapter,
    state,
    examples,
    // The root takes the program's name, so events read `reason.predict`, `agent.extract.predict`.
    create: (uploaded?: SavedState, onWarning: (message: string) => void = () => {}) => {
      const module = spec.module();
      module.name ??= spec.name;
      // An uploaded file never keeps unsafe LM keys: they could send the configured key to another endpoint.
      if (uploaded) module.loadState(uploaded, { onWarning });
      else if (state) module.load(state, { ...loadOptions, onWarning });
      return module;
    },
    lm: spec.lm ?? configuredLM,
  };
}
