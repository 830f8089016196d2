// A program's loaded DSPy state as the server sees it: the file bundled with
// the code (defineProgram({ state })), or one uploaded with
// PUT /api/programs/{name}/state and kept in the program's index Durable
// Object, which then replaces the bundled one for every new run.
import type { Module } from "../dspy/module";
import type { Predict } from "../dspy/predict";
import { isJsonObject, type SavedState } from "../dspy/saved-state";
import type { Program } from "../programs/define";
import type { ServerEnv } from "./env";
import type { StoredState } from "./program-index";

export interface PredictorStateInfo {
  /** The predictor's path in the module tree (DSPy's named_parameters): `predict`, `extract.predict`, `self`. */
  path: string;
  demos: number;
  /** Demos bootstrapped by an optimizer (`augmented: true`). */
  augmented_demos: number;
  instructions: string;
  /** The model of the predictor's own LM from the file; null when it uses the configured LM. */
  lm: string | null;
}

export interface ProgramStateInfo {
  source: "bundled" | "uploaded";
  /** When the uploaded state was stored (ms since the epoch); null for a bundled one. */
  updated_at: number | null;
  /** `metadata.dependency_versions.dspy` of the file, when it names one. */
  dspy_version: string | null;
  predictors: PredictorStateInfo[];
}

export interface UploadedState {
  state: SavedState;
  updated_at: number;
}

export function programIndex(env: ServerEnv, name: string) {
  return env.PROGRAM_INDEX.get(env.PROGRAM_INDEX.idFromName(name));
}

/** The state uploaded for a program, or null. One call to its index object. */
export async function uploadedState(env: ServerEnv, name: string): Promise<UploadedState | null> {
  const stored = (await programIndex(env, name).savedState()) as StoredState | null;
  return stored ? { state: JSON.parse(stored.state) as SavedState, updated_at: stored.updated_at } : null;
}

function dspyVersion(state: SavedState): string | null {
  const metadata = state.metadata;
  const versions = isJsonObject(metadata) ? metadata.dependency_versions : undefined;
  return isJsonObject(versions) && typeof versions.dspy === "string" ? versions.dspy : null;
}

/** Demos and instructions per predictor of a module with its state applied. */
export function predictorInfo(module: Module): PredictorStateInfo[] {
  return module.namedParameters().map(([path, param]) => {
    const predict = param as unknown as Predict;
    return {
      path,
      demos: predict.demos.length,
      augmented_demos: predict.demos.filter((d) => d.augmented === true).length,
      instructions: predict.signature.instructions,
      lm: predict.savedLm?.model ?? null,
    };
  });
}

/** What `GET /api/programs` says about the state a program runs: null when it runs as written in code. */
export function stateInfo(program: Program, uploaded: UploadedState | null): ProgramStateInfo | null {
  const state = uploaded?.state ?? program.state;
  if (!state) return null;
  return {
    source: uploaded ? "uploaded" : "bundled",
    updated_at: uploaded?.updated_at ?? null,
    dspy_version: dspyVersion(state),
    predictors: predictorInfo(program.create(uploaded?.state)),
  };
}
