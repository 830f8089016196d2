// Per-run settings, never module globals: two runs interleaved in one isolate
// each see only their own LM, adapter and callbacks. AsyncLocalStorage carries
// them across awaits (Workers: nodejs_compat; Node: built in).
import { AsyncLocalStorage } from "node:async_hooks";
import type { Adapter } from "./adapters/base";
import type { Callback } from "./callbacks";
import type { FieldStream } from "./streaming/fields";
import type { LM } from "./lm";
import type { UsageTracker } from "./usage";

export interface Settings {
  lm?: LM;
  adapter?: Adapter;
  callbacks: Callback[];
  /** Aborts LM requests and stops modules between steps. */
  signal?: AbortSignal;
  /** Rollout id for this scope (BestOfN/Refine): part of the LM cache key. */
  rolloutId?: number;
  /** Usage of the innermost module call in progress; LM calls add to it (and it to its parents). */
  usage?: UsageTracker;
  /** The module whose `forward` is running: names sub-module events by attribute path. */
  caller?: { module: object; path: string };
  /** Set by the adapter around its LM call: splits the completion's deltas by output field. */
  fieldStream?: () => FieldStream | undefined;
  /** Which step of `parent` the calls started directly under it are (see call-note.ts). */
  step?: { index: number; of: number; parent: string | null };
}

interface Frame {
  settings: Settings;
  /** The call whose body is running now: the parent of any call started here. */
  activeCallId: string | null;
}

const storage = new AsyncLocalStorage<Frame>();
const ROOT: Frame = { settings: { callbacks: [] }, activeCallId: null };

function frame(): Frame {
  return storage.getStore() ?? ROOT;
}

export function currentContext(): Settings {
  return frame().settings;
}

export function activeCallId(): string | null {
  return frame().activeCallId;
}

/**
 * Runs `fn` with settings merged over the enclosing ones, like `dspy.context`.
 * Callbacks given here replace the enclosing list (as DSPy's context does).
 */
export function context<T>(overrides: Partial<Settings>, fn: () => T): T {
  const outer = frame();
  const settings = { ...outer.settings };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (settings as any)[k] = v;
  return storage.run({ settings, activeCallId: outer.activeCallId }, fn);
}

export function runWithActiveCall<T>(callId: string, fn: () => T): T {
  return storage.run({ settings: frame().settings, activeCallId: callId }, fn);
}

/** Throws the abort reason when the run was cancelled: call between steps. */
export function throwIfAborted(): void {
  currentContext().signal?.throwIfAborted();
}
