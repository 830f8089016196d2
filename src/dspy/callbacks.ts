// DSPy's callback hooks, camelCased, plus onLmDelta for streamed tokens and
// onLmRetry for an LM attempt that failed and will be retried.
// Ordering mirrors dspy/utils/callback.py: every start handler runs while the
// *parent* call is still active, then the call becomes active for its body,
// then the parent is restored and the end handlers run. A handler that throws
// is logged and never breaks the run.
import { activeCallId, currentContext, runWithActiveCall } from "./context";
import type { ErrorInfo } from "./events";

export type CallKind = "module" | "lm" | "adapter_format" | "adapter_parse" | "tool";
type Inputs = Record<string, unknown>;

export interface Callback {
  onModuleStart?(callId: string, instance: unknown, inputs: Inputs): void;
  onModuleEnd?(callId: string, outputs: unknown, error: unknown): void;
  onLmStart?(callId: string, instance: unknown, inputs: Inputs): void;
  onLmEnd?(callId: string, outputs: unknown, error: unknown): void;
  /** `field`: the output field the text belongs to, null outside any; undefined when no adapter tracks fields. */
  onLmDelta?(callId: string, delta: string, field?: string | null): void;
  onLmRetry?(callId: string, retry: LmRetryInfo): void;
  onAdapterFormatStart?(callId: string, instance: unknown, inputs: Inputs): void;
  onAdapterFormatEnd?(callId: string, outputs: unknown, error: unknown): void;
  onAdapterParseStart?(callId: string, instance: unknown, inputs: Inputs): void;
  onAdapterParseEnd?(callId: string, outputs: unknown, error: unknown): void;
  onToolStart?(callId: string, instance: unknown, inputs: Inputs): void;
  onToolEnd?(callId: string, outputs: unknown, error: unknown): void;
}

/** An LM attempt that failed and will be retried after `wait_ms`. */
export interface LmRetryInfo {
  /** The attempt that just failed, from 1. */
  attempt: number;
  error: ErrorInfo;
  /** HTTP status, or null for timeouts and connection failures. */
  status: number | null;
  wait_ms: number;
}

const HANDLERS = {
  module: ["onModuleStart", "onModuleEnd"],
  lm: ["onLmStart", "onLmEnd"],
  adapter_format: ["onAdapterFormatStart", "onAdapterFormatEnd"],
  adapter_parse: ["onAdapterParseStart", "onAdapterParseEnd"],
  tool: ["onToolStart", "onToolEnd"],
} as const satisfies Record<CallKind, readonly [keyof Callback, keyof Callback]>;

/** Anything that can carry instance-level callbacks, like DSPy's `callbacks=` argument. */
export interface HasCallbacks {
  callbacks?: Callback[];
}

/** Context callbacks first, then the instance's: DSPy's order. */
export function activeCallbacks(instance?: HasCallbacks): Callback[] {
  return [...currentContext().callbacks, ...(instance?.callbacks ?? [])];
}

export function newCallId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

function safely(callback: Callback, name: string, call: () => void): void {
  try {
    call();
  } catch (error) {
    console.warn(`dspy: callback ${callback.constructor?.name ?? "?"}.${name} threw, ignored:`, error);
  }
}

function fireStart(callbacks: Callback[], kind: CallKind, callId: string, instance: unknown, inputs: Inputs) {
  const name = HANDLERS[kind][0];
  for (const cb of callbacks) {
    const handler = cb[name] as Callback["onModuleStart"];
    if (handler) safely(cb, name, () => handler.call(cb, callId, instance, inputs));
  }
}

function fireEnd(callbacks: Callback[], kind: CallKind, callId: string, outputs: unknown, error: unknown) {
  const name = HANDLERS[kind][1];
  for (const cb of callbacks) {
    const handler = cb[name] as Callback["onModuleEnd"];
    if (handler) safely(cb, name, () => handler.call(cb, callId, outputs, error));
  }
}

interface OpenCall {
  kind: CallKind;
  callId: string;
  callbacks: Callback[];
}

/** Fires the start hooks (the parent is still active); null when nobody listens. */
function beginCall(kind: CallKind, instance: HasCallbacks, inputs: Inputs): OpenCall | null {
  const callbacks = activeCallbacks(instance);
  if (callbacks.length === 0) return null;
  const callId = newCallId();
  fireStart(callbacks, kind, callId, instance, inputs);
  return { kind, callId, callbacks };
}

/** Fires the end hooks once the parent is active again: outputs, or null and the error. */
function endCall(call: OpenCall, outputs: unknown, error: unknown): void {
  fireEnd(call.callbacks, call.kind, call.callId, error === null ? outputs : null, error);
}

/** Wraps an async call with start/end hooks; the body runs as the active call. */
export async function withCallbacks<T>(
  kind: CallKind,
  instance: HasCallbacks,
  inputs: Inputs,
  body: () => Promise<T>,
): Promise<T> {
  const call = beginCall(kind, instance, inputs);
  if (!call) return body();
  let outputs: T;
  try {
    outputs = await runWithActiveCall(call.callId, body);
  } catch (error) {
    endCall(call, null, error);
    throw error;
  }
  endCall(call, outputs, null);
  return outputs;
}

/** Same as withCallbacks for synchronous bodies (adapter format/parse). */
export function withCallbacksSync<T>(kind: CallKind, instance: HasCallbacks, inputs: Inputs, body: () => T): T {
  const call = beginCall(kind, instance, inputs);
  if (!call) return body();
  let outputs: T;
  try {
    outputs = runWithActiveCall(call.callId, body);
  } catch (error) {
    endCall(call, null, error);
    throw error;
  }
  endCall(call, outputs, null);
  return outputs;
}

/** Token deltas go to the call that is active now: the LM call streaming them. */
export function emitLmDelta(delta: string, instance?: HasCallbacks, field?: string | null): void {
  const callId = activeCallId();
  if (callId === null) return;
  for (const cb of activeCallbacks(instance)) {
    const handler = cb.onLmDelta;
    if (handler) safely(cb, "onLmDelta", () => handler.call(cb, callId, delta, field));
  }
}

/** A failed attempt of the LM call that is active now, about to be retried. */
export function emitLmRetry(retry: LmRetryInfo, instance?: HasCallbacks): void {
  const callId = activeCallId();
  if (callId === null) return;
  for (const cb of activeCallbacks(instance)) {
    const handler = cb.onLmRetry;
    if (handler) safely(cb, "onLmRetry", () => handler.call(cb, callId, retry));
  }
}
