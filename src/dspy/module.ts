// The base of every program, like dspy.Module: `call` wraps `forward` with
// module callbacks, names the call by its attribute path from the root
// (`qa.answer.predict`), gives it its own usage scope, and stops between steps
// once the run is aborted.
import { type Callback, withCallbacks } from "./callbacks";
import { context, currentContext, throwIfAborted } from "./context";
import type { LM, LMKwargs } from "./lm";
import { type ExampleLike, Parallel, type ParallelOptions, type ParallelReturn } from "./parallel";
import { Prediction } from "./prediction";
import {
  checkMetadata,
  currentMetadata,
  isParameter,
  type LoadOptions,
  type Parameter,
  parseSavedState,
  type SavedState,
  SavedStateError,
  stateToJson,
  warner,
} from "./saved-state";
import { type Field, Signature } from "./signature";
import { UsageTracker } from "./usage";
import { classNameOf } from "./utils/class-name";

export type Inputs = Record<string, unknown>;
export type Demo = Record<string, unknown>;

/** Per-call overrides, DSPy's privileged keyword arguments (`config=`, `demos=`, `lm=`). */
export interface CallOptions {
  /** LM kwargs merged over the module's own config for this call. */
  config?: LMKwargs;
  demos?: Demo[];
  lm?: LM;
}

/** The attribute of `parent` holding `child` (`predict`, `attempts[2]`), if any. */
function attributeName(parent: object, child: Module): string | undefined {
  for (const [key, value] of Object.entries(parent)) {
    if (value === child) return key;
    if (Array.isArray(value)) {
      const index = value.indexOf(child);
      if (index >= 0) return `${key}[${index}]`;
    }
  }
  return undefined;
}

export abstract class Module {
  static readonly className: string = "Module";
  /**
   * Saved-state keys for attributes named differently from the Python module
   * (`{ codeGenerate: "code_generate" }`), so a file DSPy saved finds its
   * predictors; `null` leaves out an attribute DSPy's module does not hold.
   */
  static readonly savedNames: Readonly<Record<string, string | null>> = {};
  /** Names the root in event paths; defaults to the class name. */
  name?: string;
  /** Instance callbacks, run after the context's (DSPy's order). */
  callbacks: Callback[] = [];
  /** DSPy's `_compiled`: a compiled sub-module is frozen, so its parent neither saves nor loads its predictors. */
  declare compiled?: boolean;

  /**
   * The dotted path of the call in progress (`answer.predict`): module events' `name`. It lives in the
   * call's async context, not on the instance, so one instance called from two places at once names
   * each call by its own caller. Outside a call of this module: its name or class.
   */
  get path(): string {
    const caller = currentContext().caller;
    return caller?.module === this ? caller.path : (this.name ?? classNameOf(this));
  }

  abstract forward(inputs: Inputs, options?: CallOptions): Promise<Prediction>;

  /** Runs `forward` as one module call: callbacks, path, usage, abort check. */
  call(inputs: Inputs = {}, options?: CallOptions): Promise<Prediction> {
    const caller = currentContext().caller;
    const own = this.name ?? classNameOf(this);
    const path = caller && caller.module !== this ? `${caller.path}.${attributeName(caller.module, this) ?? own}` : own;
    // The start hooks (which read `path`) already run inside this call's context.
    return context({ caller: { module: this, path } }, () =>
      withCallbacks("module", this, inputs, async () => {
        throwIfAborted();
        const usage = new UsageTracker(currentContext().usage);
        const result = await context({ usage }, () => this.forward(inputs, options));
        if (result instanceof Prediction) result.setUsage(usage.byModel);
        return result;
      }),
    );
  }

  /**
   * Runs this module over many examples concurrently, like DSPy's `Module.batch`: a fresh Parallel
   * over `(this, example.inputs())` pairs (a plain record is its own inputs). `results[i]` is
   * example i's Prediction, or null when it failed.
   */
  batch(examples: readonly (ExampleLike | Inputs)[], options?: ParallelOptions & { returnFailedExamples?: false }): Promise<(Prediction | null)[]>;
  batch(
    examples: readonly (ExampleLike | Inputs)[],
    options: ParallelOptions & { returnFailedExamples: true },
  ): Promise<[(Prediction | null)[], unknown[], unknown[]]>;
  batch(examples: readonly (ExampleLike | Inputs)[], options: ParallelOptions = {}): Promise<ParallelReturn> {
    const pairs = examples.map((e) => [this, typeof (e as ExampleLike).inputs === "function" ? (e as ExampleLike).inputs() : e] as const);
    return new Parallel<boolean>(options).call(pairs);
  }

  /**
   * The fields of the Prediction `forward` returns, in order (what a caller of
   * the program gets back). Default: the outputs of the module's own
   * signature, else those of its only sub-module. Modules that add fields
   * (ReAct's `trajectory`) or whose result comes from one of several
   * sub-modules override it.
   */
  resultFields(): readonly Field[] {
    const own = (this as { signature?: unknown }).signature;
    if (own instanceof Signature) return own.outputFields;
    const subs = this.namedSubModules();
    if (subs.length === 1) return subs[0][1].resultFields();
    const held = subs.length ? `sub-modules ${subs.map(([name]) => name).join(", ")}` : "no signature or sub-module";
    throw new Error(`${classNameOf(this)}: cannot tell which fields its result carries (${held}); override resultFields()`);
  }

  /** Sub-modules held in attributes (directly or in arrays), with their attribute names. */
  namedSubModules(): [string, Module][] {
    const found: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) found.push([key, value]);
      else if (Array.isArray(value)) value.forEach((v, i) => v instanceof Module && found.push([`${key}[${i}]`, v]));
    }
    return found;
  }

  /**
   * Every predictor reachable through attributes, named by path, as DSPy's
   * `named_parameters()`: `predict`, `generate_query.predict`, `items[0]`,
   * `name['key']`; a predictor reachable twice is listed once; a bare Predict is `self`.
   */
  namedParameters(): [string, Parameter & Module][] {
    const visited = new Set<object>();
    const found: [string, Parameter & Module][] = [];
    const add = (name: string, value: unknown) => {
      if (isParameter(value)) {
        if (!visited.has(value)) {
          visited.add(value);
          found.push([name, value as Parameter & Module]);
        }
      } else if (value instanceof Module && !value.compiled) {
        for (const [sub, param] of value.namedParameters()) add(`${name}.${sub}`, param);
      }
    };
    if (isParameter(this)) add("self", this);
    const savedNames = (this.constructor as typeof Module).savedNames;
    for (const [key, value] of Object.entries(this)) {
      const name = key in savedNames ? savedNames[key] : key;
      if (name === null) continue;
      if (isParameter(value) || value instanceof Module) add(name, value);
      else if (Array.isArray(value)) value.forEach((item, i) => add(`${name}[${i}]`, item));
      else if (value instanceof Map) for (const [key, item] of value) add(`${name}['${String(key)}']`, item);
      else if (isPlainDict(value)) for (const [key, item] of Object.entries(value)) add(`${name}['${key}']`, item);
    }
    return found;
  }

  /** DSPy's `dump_state()`: each predictor's state under its path (a Predict overrides it with its own, flat). */
  dumpState(): SavedState {
    return Object.fromEntries(this.namedParameters().map(([name, param]) => [name, param.dumpState()]));
  }

  /**
   * DSPy's `load_state(state)`: each predictor takes `state[path]`. A missing
   * path throws before anything changes; keys that match no predictor are ignored.
   */
  loadState(state: SavedState, options: LoadOptions = {}): this {
    const warn = warner(options);
    const apply = this.namedParameters().map(([name, param]) => {
      if (!(name in state)) {
        const present = Object.keys(state).filter((k) => k !== "metadata");
        throw new SavedStateError(
          "missing_key",
          `The saved state has no key \`${name}\` for the predictor at that path (DSPy raises KeyError: '${name}'); ` +
            `it holds ${present.length ? present.map((k) => `\`${k}\``).join(", ") : "no predictor keys"}. ` +
            "Was it saved from a program with the same module structure?",
          name,
        );
      }
      return param.prepareLoad(state[name], name, options, warn);
    });
    for (const step of apply) step();
    return this;
  }

  /**
   * DSPy's `load(path)` for a file `save()` wrote (JSON text or the parsed
   * object): checks `metadata` (missing → error, another dspy version → a
   * warning), then `loadState`. Returns the module, for `new X().load(file)`.
   */
  load(saved: string | object, options: LoadOptions = {}): this {
    const state = parseSavedState(saved);
    checkMetadata(state, warner(options));
    return this.loadState(state, options);
  }

  /** DSPy's `save("x.json")` as text: `dumpState()` plus `metadata`, two-space JSON with a final newline. */
  save(): string {
    return stateToJson({ ...this.dumpState(), metadata: currentMetadata() });
  }
}

/** A plain object used as a mapping (DSPy walks dict attributes); class instances are not. */
function isPlainDict(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
