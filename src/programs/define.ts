// A program: a named module factory with a description, an optional LM of its
// own and a streaming default. `defineProgram` derives the rest (module kind,
// public signature) from one instance of the module.
import type { LM } from "../dspy/lm";
import type { Module } from "../dspy/module";
import type { Field, Signature } from "../dspy/signature";
import { classNameOf } from "../dspy/utils/class-name";
import { configuredLM, type LMEnv } from "./lm-config";

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
  readonly examples: readonly Record<string, unknown>[];
  create(): Module;
  /** The LM a run of this program uses, built per run. */
  lm(env: LMEnv): LM;
}

/** Names the Worker routes itself (or serves as assets), so no program may take them. */
const RESERVED = new Set(["api", "health", "openapi.json", "runs", "index.html", "app.js", "app.css", "favicon.ico", "static", "assets"]);

/** The module's own signature, else its inner predictor's (ChainOfThought), else a wrapped module's (BestOfN, Refine). */
function signatureOf(module: unknown): Signature | undefined {
  const m = module as { signature?: Signature; predict?: { signature?: Signature }; module?: unknown } | undefined;
  return m?.signature ?? m?.predict?.signature ?? (m?.module ? signatureOf(m.module) : undefined);
}

export function defineProgram(spec: ProgramSpec): Program {
  if (!/^[a-z][a-z0-9_-]{0,63}$/.test(spec.name) || RESERVED.has(spec.name)) {
    throw new Error(`Program name "${spec.name}" must match [a-z][a-z0-9_-]* and not be one of ${[...RESERVED].join(", ")}`);
  }
  const probe = spec.module();
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
    examples,
    // The root takes the program's name, so events read `reason.predict`, `agent.extract.predict`.
    create: () => {
      const module = spec.module();
      module.name ??= spec.name;
      return module;
    },
    lm: spec.lm ?? configuredLM,
  };
}
