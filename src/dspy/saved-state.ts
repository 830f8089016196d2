// DSPy's saved-state format (what `program.save("x.json")` writes in DSPy
// 3.3.1): per predictor `traces`, `train`, `demos`, `signature`
// ({instructions, fields[{prefix, description}]}) and `lm` (null or the LM's
// kwargs without a key), plus a top-level `metadata`. This file holds the
// pieces that know the format and its rules (dspy/primitives/base_module.py,
// dspy/predict/predict.py, dspy/signatures/signature.py, dspy/clients/base_lm.py);
// Module and Predict call them. It imports neither, so there is no cycle.
import type { LM, LMOptions } from "./lm";
import { Signature, type Field } from "./signature";

/** The DSPy version whose format this runtime reads and writes. */
export const DSPY_VERSION = "3.3.1";
/** `_dspy_lm_class` of `dspy.LM`, the only LM class a file may name (DSPy's `_BUILTIN_LM_CLASS_PATH`). */
export const BUILTIN_LM_CLASS = "dspy.clients.lm.LM";
/** LM keys `load` drops unless unsafe state is allowed: they point requests at another endpoint. */
export const UNSAFE_LM_STATE_KEYS = ["api_base", "base_url", "model_list"] as const;

export type JsonObject = Record<string, unknown>;

/** Marks a predictor (DSPy's `Parameter`): the modules a saved file holds state for. */
export const PARAMETER: unique symbol = Symbol.for("dspy-edge.Parameter");

/** A predictor as the module walk sees it (Predict implements it). */
export interface Parameter {
  readonly [PARAMETER]: true;
  dumpState(): PredictorState;
  prepareLoad(state: unknown, path: string, options: LoadOptions, warn: (message: string) => void): () => void;
}

export function isParameter(value: unknown): value is Parameter {
  return typeof value === "object" && value !== null && (value as { [PARAMETER]?: unknown })[PARAMETER] === true;
}

export interface SavedField {
  prefix: string;
  description: string;
}

export interface SavedSignature {
  instructions: string;
  fields: SavedField[];
}

/** One predictor's state (`Predict.dump_state()`). */
export interface PredictorState {
  traces: unknown[];
  train: unknown[];
  demos: JsonObject[];
  signature: SavedSignature;
  lm: JsonObject | null;
  [extra: string]: unknown;
}

/** A whole saved file: predictor paths (or a bare Predict's own keys) and `metadata`. */
export type SavedState = Record<string, unknown>;

export interface LoadOptions {
  /** Keep `api_base`/`base_url`/`model_list` of saved LMs (DSPy's `allow_unsafe_lm_state`). Only for trusted files. */
  allowUnsafeLmState?: boolean;
  /** Where warnings go (version mismatch, dropped LM keys); default console.warn, as DSPy logs them. */
  onWarning?: (message: string) => void;
}

/** The warning sink of a load: the caller's, else console.warn (DSPy logs them). */
export function warner(options: LoadOptions): (message: string) => void {
  return options.onWarning ?? ((message) => console.warn(message));
}

export type SavedStateCode =
  | "invalid_state"
  | "missing_key"
  | "missing_metadata"
  | "custom_lm_class"
  | "unsupported_lm"
  | "legacy_state";

/**
 * A saved file cannot be applied. `code` says why; DSPy raises KeyError
 * (missing_key, missing_metadata), ValueError (custom_lm_class) or
 * NotImplementedError (legacy_state) for the same cases.
 */
export class SavedStateError extends Error {
  override name = "SavedStateError";
  constructor(
    readonly code: SavedStateCode,
    message: string,
    /** The predictor path the problem is in, when there is one. */
    readonly path?: string,
  ) {
    super(message);
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Python's repr of a list of strings, as DSPy's log lines print them (`['api_base']`). */
function pyStrList(items: readonly string[]): string {
  return `[${items.map((s) => `'${s}'`).join(", ")}]`;
}

// ------------------------------------------------------------------ metadata

/**
 * DSPy's version check in `BaseModule.load`: a file without `metadata` is a
 * KeyError; a different `dspy` version only warns. `python` and `cloudpickle`
 * describe the Python environment that saved the file and have no counterpart
 * here, so they are not compared.
 */
export function checkMetadata(state: SavedState, warn: (message: string) => void): void {
  const metadata = state.metadata;
  if (!isJsonObject(metadata) || !isJsonObject(metadata.dependency_versions)) {
    throw new SavedStateError(
      "missing_metadata",
      "The saved state has no `metadata.dependency_versions` (DSPy's load raises KeyError: 'metadata'): " +
        "pass a file written by DSPy's `program.save(\"x.json\")`, or call loadState() to apply the state without the version check.",
    );
  }
  const saved = metadata.dependency_versions.dspy;
  if (saved !== undefined && saved !== DSPY_VERSION) {
    warn(
      `There is a mismatch of dspy version between saved model and current environment. You saved with ` +
        `\`dspy==${String(saved)}\`, but now you have \`dspy==${DSPY_VERSION}\`. This might cause errors or performance ` +
        "downgrade on the loaded model, please consider loading the model in the same environment as the saving environment.",
    );
  }
}

/** What `save()` writes as `metadata`: only the `dspy` version, the one this runtime can speak for. */
export function currentMetadata(): JsonObject {
  return { dependency_versions: { dspy: DSPY_VERSION } };
}

/** `orjson.dumps(state, OPT_INDENT_2 | OPT_APPEND_NEWLINE)`: two-space indent, a final newline. */
export function stateToJson(state: SavedState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** Reads a saved file given as JSON text or as an already-parsed object. */
export function parseSavedState(input: string | object): SavedState {
  let state: unknown = input;
  if (typeof input === "string") {
    try {
      state = JSON.parse(input);
    } catch (error) {
      throw new SavedStateError("invalid_state", `The saved state is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!isJsonObject(state)) throw new SavedStateError("invalid_state", "The saved state must be a JSON object");
  return state;
}

// ------------------------------------------------------------------ signature

/** `Signature.dump_state()`: the instructions and each field's prefix and description, in field order. */
export function dumpSignature(signature: Signature): SavedSignature {
  return {
    instructions: signature.instructions,
    fields: signature.fields.map((f) => ({ prefix: f.prefix, description: f.desc })),
  };
}

/**
 * `Signature.load_state()`: the saved instructions, and each saved field's
 * prefix and description applied **by position** (zip, not strict: a shorter
 * list leaves the rest, extra entries are ignored). Names and types stay the code's.
 */
export function loadSignature(signature: Signature, saved: unknown, path: string): Signature {
  if (!isJsonObject(saved)) throw invalid(path, "`signature` must be an object with `instructions` and `fields`");
  if (typeof saved.instructions !== "string") throw missingOrInvalid(path, saved, "signature.instructions", "a string");
  if (!Array.isArray(saved.fields)) throw missingOrInvalid(path, saved, "signature.fields", "a list");
  const savedFields: unknown[] = saved.fields;
  const fields = signature.fields.map((field, i): Field => {
    if (i >= savedFields.length) return field;
    const entry = savedFields[i];
    const where = `signature.fields[${i}]`;
    if (!isJsonObject(entry)) throw invalid(path, `\`${where}\` must be an object with \`prefix\` and \`description\``);
    if (typeof entry.prefix !== "string") throw missingOrInvalid(path, entry, `${where}.prefix`, "a string");
    if (typeof entry.description !== "string") throw missingOrInvalid(path, entry, `${where}.description`, "a string");
    return Object.freeze({ ...field, prefix: entry.prefix, desc: entry.description });
  });
  return new Signature(fields, saved.instructions);
}

function invalid(path: string, message: string): SavedStateError {
  return new SavedStateError("invalid_state", `Saved state of predictor \`${path}\`: ${message}`, path);
}

function missingOrInvalid(path: string, holder: JsonObject, key: string, kind: string): SavedStateError {
  const last = key.split(".").pop()!;
  if (!(last in holder)) {
    return new SavedStateError("missing_key", `Saved state of predictor \`${path}\` has no \`${key}\` (DSPy raises KeyError: '${last}')`, path);
  }
  return invalid(path, `\`${key}\` must be ${kind}`);
}

// ------------------------------------------------------------------ LM state

/** Keys of a saved LM that are `dspy.LM` constructor arguments, not request kwargs. */
const LM_ARG_KEYS = new Set([
  "_dspy_lm_class", "model", "model_type", "cache", "num_retries", "finetuning_model", "launch_kwargs",
  "train_kwargs", "use_developer_role", "provider", "callbacks", "temperature", "max_tokens",
]);

/**
 * A predictor's LM as the file describes it, rebuilt: DSPy's `BaseLM.load_state`
 * gives an LM with the saved model and kwargs and no API key (the provider's
 * environment variable applies at request time). Here the configured LM plays
 * that role: the rebuilt LM is bound to its endpoint (base URL, key, fetch) when
 * the predictor runs, unless the file kept an `api_base` and unsafe state was allowed.
 */
export class SavedLM {
  readonly className = "LM";
  readonly model: string;
  readonly modelType: string;
  readonly cache: boolean;
  readonly numRetries: number;
  /** Request kwargs: temperature, max_tokens and any other saved key (DSPy's `lm.kwargs`). */
  readonly kwargs: JsonObject;
  /** `finetuning_model`, `launch_kwargs`, `train_kwargs`, `use_developer_role`: kept for a faithful `dumpState`. */
  readonly extra: JsonObject;
  readonly #bound = new WeakMap<LM, LM>();

  constructor(state: JsonObject, path: string) {
    if (typeof state.model !== "string" || !state.model) {
      throw new SavedStateError("invalid_state", `Saved LM of predictor \`${path}\` has no \`model\` (DSPy's LM(**state) raises TypeError)`, path);
    }
    const modelType = state.model_type ?? "chat";
    if (modelType !== "chat") {
      throw new SavedStateError(
        "unsupported_lm",
        `Saved LM of predictor \`${path}\` has model_type "${String(modelType)}": this runtime speaks the Chat Completions API only ("chat")`,
        path,
      );
    }
    this.model = state.model;
    this.modelType = modelType;
    this.cache = state.cache === undefined ? true : Boolean(state.cache);
    this.numRetries = typeof state.num_retries === "number" ? state.num_retries : 3;
    const kwargs: JsonObject = {};
    // DSPy's _get_initial_kwargs: temperature and max_tokens first (None when absent), then the rest.
    kwargs.temperature = state.temperature ?? null;
    kwargs.max_tokens = state.max_tokens ?? null;
    for (const [key, value] of Object.entries(state)) if (!LM_ARG_KEYS.has(key)) kwargs[key] = value;
    // dspy.LM drops a None rollout_id.
    if (kwargs.rollout_id === null) delete kwargs.rollout_id;
    this.kwargs = kwargs;
    this.extra = {
      finetuning_model: state.finetuning_model ?? null,
      launch_kwargs: state.launch_kwargs ?? {},
      train_kwargs: state.train_kwargs ?? {},
      ...(state.use_developer_role ? { use_developer_role: state.use_developer_role } : {}),
    };
  }

  /** The kwargs a request gets from this LM (None-valued ones are not sent, as LiteLLM drops them). */
  get requestKwargs(): JsonObject {
    return Object.fromEntries(Object.entries(this.kwargs).filter(([k, v]) => v !== null && !UNSAFE_LM_STATE_KEYS.includes(k as never)));
  }

  /** The model name sent to an OpenAI-compatible endpoint: LiteLLM's `openai/` provider prefix removed. */
  get requestModel(): string {
    return this.model.startsWith("openai/") ? this.model.slice("openai/".length) : this.model;
  }

  /** This LM on `base`'s endpoint (or the saved `api_base`/`base_url`, kept only with unsafe state allowed). */
  bind(base: LM): LM {
    const known = this.#bound.get(base);
    if (known) return known;
    const { temperature, max_tokens, api_base, base_url, model_list: _ignored, ...rest } = this.kwargs;
    const options: LMOptions = { ...rest, numRetries: this.numRetries, cache: this.cache };
    if (typeof temperature === "number") options.temperature = temperature;
    if (typeof max_tokens === "number") options.maxTokens = max_tokens;
    const endpoint = typeof api_base === "string" ? api_base : typeof base_url === "string" ? base_url : undefined;
    if (endpoint) options.baseURL = endpoint;
    const lm = base.sibling(this.requestModel, options);
    this.#bound.set(base, lm);
    return lm;
  }

  /** `dspy.LM.dump_state()` of the rebuilt LM: class, model, type, cache, retries, kwargs, then LM's own keys. */
  dumpState(): JsonObject {
    return {
      _dspy_lm_class: BUILTIN_LM_CLASS,
      model: this.model,
      model_type: this.modelType,
      cache: this.cache,
      num_retries: this.numRetries,
      ...this.kwargs,
      ...this.extra,
    };
  }

  /** What `load` left, in the shape of the fixtures' `loaded.lm`. */
  describe(): { class: string; model: string; model_type: string; cache: boolean; num_retries: number; kwargs: JsonObject } {
    return {
      class: this.className,
      model: this.model,
      model_type: this.modelType,
      cache: this.cache,
      num_retries: this.numRetries,
      kwargs: this.requestKwargs,
    };
  }
}

/**
 * `Predict.load_state`'s LM handling: null (or an empty object) clears the
 * predictor's LM; unsafe endpoint keys are dropped with DSPy's warning unless
 * allowed; a class other than dspy.LM is refused.
 */
export function loadLMState(saved: unknown, path: string, options: LoadOptions, warn: (m: string) => void): SavedLM | null {
  if (saved === null || saved === undefined || (isJsonObject(saved) && Object.keys(saved).length === 0)) return null;
  if (!isJsonObject(saved)) throw invalid(path, "`lm` must be null or an object");
  let state = saved;
  if (!options.allowUnsafeLmState) {
    const unsafe = UNSAFE_LM_STATE_KEYS.filter((k) => k in state).sort();
    if (unsafe.length > 0) {
      state = Object.fromEntries(Object.entries(state).filter(([k]) => !UNSAFE_LM_STATE_KEYS.includes(k as never)));
      warn(
        `Ignoring unsafe LM config key(s) during state load: ${pyStrList(unsafe)}. ` +
          "Pass allow_unsafe_lm_state=True to preserve these keys for trusted files.",
      );
    }
  }
  const className = state._dspy_lm_class;
  if (className !== undefined && className !== BUILTIN_LM_CLASS) {
    const message = options.allowUnsafeLmState
      ? `Saved LM class \`${String(className)}\` of predictor \`${path}\` is a Python class; only \`${BUILTIN_LM_CLASS}\` can be rebuilt here.`
      : `Refusing to import custom serialized LM class \`${String(className)}\`. ` +
        "Pass allow_unsafe_lm_state=True when loading trusted files to enable custom LM classes.";
    throw new SavedStateError("custom_lm_class", message, path);
  }
  return new SavedLM(state, path);
}

/** `dspy.LM.dump_state()` of an LM set in code. Its endpoint and key are never written. */
export function dumpLM(lm: LM): JsonObject {
  const kwargs: JsonObject = { temperature: null, max_tokens: null };
  for (const [key, value] of Object.entries(lm.kwargs)) {
    if (key === "max_completion_tokens") kwargs.max_tokens = value; // DSPy saves reasoning models' limit as max_tokens
    else kwargs[key] = value;
  }
  return {
    _dspy_lm_class: BUILTIN_LM_CLASS,
    model: lm.model,
    model_type: "chat",
    cache: lm.cacheEnabled,
    num_retries: lm.numRetries,
    ...kwargs,
    finetuning_model: null,
    launch_kwargs: {},
    train_kwargs: {},
  };
}

// ------------------------------------------------------------------ demos

/** Demos as `Example.toDict()` writes them: plain objects in key order, values as JSON. */
export function dumpDemos(demos: readonly Record<string, unknown>[]): JsonObject[] {
  return demos.map((demo) => JSON.parse(JSON.stringify(demo)) as JsonObject);
}
