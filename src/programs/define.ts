// A program: a named module factory with a description, an optional LM of its
// own and a streaming default. `defineProgram` derives the rest (module kind,
// public signature) from one instance of the module.
import type { LM } from "../dspy/lm";
import type { Module } from "../dspy/module";
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
  create(): Module;
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
  const probe = spec.module();
  const signature = spec.signature ?? signatureOf(probe);
  if (!signature) throw new Error(`Program "${spec.name}": its module has no signature; pass \`signature\``);
  const kind = classNameOf(probe);
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
    // The root takes the program's name, so events read `reason.predict`, `agent.extract.predict`.
    create: () => {
      const module = spec.module();
      module.name ??= spec.name;
      return module;
    },
    lm: spec.lm ?? configuredLM,
  };
}
