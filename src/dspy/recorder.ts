// Turns callback hooks into event drafts, handed to `emit` synchronously the
// moment each hook fires (the server stamps and streams them). Parent ids come
// from `activeCallId()` inside the start hook: the enclosing call, as in DSPy.
import type { Callback, LmRetryInfo } from "./callbacks";
import { attemptsNote, stepOf } from "./call-note";
import { activeCallId } from "./context";
import { errorInfo } from "./errors";
import type { DraftOf, EventDraft, EventType, Message, Usage, UsageByModel } from "./events";
import { addUsage } from "./usage";
import { classNameOf } from "./utils/class-name";
import { toJsonRecord, toJsonValue } from "./utils/json-value";

type Inputs = Record<string, unknown>;
type CallFields = { call_id: string; parent_id: string | null; name: string };

interface OpenCall {
  parent_id: string | null;
  name: string;
  startedAt: number;
}

/** Anything with the shape of an LM, read loosely so custom LM classes record too. */
interface LMLike {
  model?: string;
  requestParams?(kwargs: Record<string, unknown>): Record<string, unknown>;
}

interface LMOutputs {
  texts?: string[];
  usage?: Usage | null;
  cached?: boolean;
  finishReasons?: string[];
}

/** Adapters carry their class name as `name` ("ChatAdapter"), explicit for minified builds. */
function adapterName(instance: unknown): string {
  const name = (instance as { name?: unknown } | null)?.name;
  return typeof name === "string" && name ? name : classNameOf(instance);
}

function signatureText(signature: unknown): string {
  if (typeof signature === "string") return signature;
  const sig = signature as { toString?: () => string; inputFields?: object; outputFields?: object } | null;
  if (sig && sig.toString !== Object.prototype.toString) return String(sig);
  if (sig?.inputFields && sig.outputFields) {
    return `${Object.keys(sig.inputFields).join(", ")} -> ${Object.keys(sig.outputFields).join(", ")}`;
  }
  return String(signature);
}

/** Credentials may hide in per-call kwargs; they never enter an event. */
const SECRET_PARAM = /^(api_?key|api_base|base_?url|headers|extra_headers|authorization)$/i;

/** `step`/`step_of` of a call starting under `parentId`, when it is one of several numbered steps. */
function stepFields(parentId: string | null): { step?: number; step_of?: number } {
  const step = stepOf(parentId);
  return step ? { step: step.index, step_of: step.of } : {};
}

export class EventRecorder implements Callback {
  /** Usage per model over every LM call seen (DSPy's `get_lm_usage()` shape). */
  readonly usage: UsageByModel = {};
  private readonly open = new Map<string, OpenCall>();

  constructor(private readonly emit: (draft: EventDraft) => void) {}

  private start(callId: string, name: string): CallFields {
    const parent_id = activeCallId();
    this.open.set(callId, { parent_id, name, startedAt: Date.now() });
    return { call_id: callId, parent_id, name };
  }

  /** Closes a call: its fields and how long it took. Unknown ids (recorder added mid-call) still record. */
  private end(callId: string): CallFields & { duration_ms: number } {
    const call = this.open.get(callId);
    this.open.delete(callId);
    return {
      call_id: callId,
      parent_id: call?.parent_id ?? null,
      name: call?.name ?? "unknown",
      duration_ms: call ? Date.now() - call.startedAt : 0,
    };
  }

  private send<K extends EventType>(type: K, body: Omit<DraftOf<K>, "type">): void {
    this.emit({ type, ...body } as unknown as EventDraft);
  }

  onModuleStart(callId: string, instance: unknown, inputs: Inputs): void {
    const module = classNameOf(instance);
    const path = (instance as { path?: unknown }).path;
    const call = this.start(callId, typeof path === "string" && path ? path : module);
    this.send("module_start", { ...call, ...stepFields(call.parent_id), module, inputs: toJsonRecord(inputs) });
  }

  onModuleEnd(callId: string, outputs: unknown, error: unknown): void {
    const call = this.end(callId);
    const note = error ? null : attemptsNote(outputs, callId);
    this.send("module_end", {
      ...call,
      outputs: error ? null : toJsonRecord(outputs),
      error: error ? errorInfo(error) : null,
      ...(note ?? {}),
    });
  }

  onLmStart(callId: string, instance: unknown, inputs: Inputs): void {
    const lm = instance as LMLike;
    const model = lm.model ?? classNameOf(instance);
    const kwargs = (inputs.kwargs ?? {}) as Record<string, unknown>;
    const raw = typeof lm.requestParams === "function" ? lm.requestParams(kwargs) : kwargs;
    const params = Object.fromEntries(Object.entries(raw).filter(([k]) => !SECRET_PARAM.test(k)));
    const call = this.start(callId, model);
    this.send("lm_start", {
      ...call,
      model,
      messages: toJsonValue(inputs.messages ?? []) as Message[],
      params: toJsonRecord(params),
    });
  }

  onLmDelta(callId: string, delta: string, field?: string | null): void {
    const call = this.open.get(callId);
    this.send("lm_delta", {
      call_id: callId,
      parent_id: call?.parent_id ?? null,
      name: call?.name ?? "unknown",
      delta,
      ...(field !== undefined ? { field } : {}),
    });
  }

  onLmRetry(callId: string, retry: LmRetryInfo): void {
    const call = this.open.get(callId);
    this.send("lm_retry", { call_id: callId, parent_id: call?.parent_id ?? null, name: call?.name ?? "unknown", ...retry });
  }

  onLmEnd(callId: string, outputs: unknown, error: unknown): void {
    const call = this.end(callId);
    const result = (error ? {} : (outputs ?? {})) as LMOutputs;
    const texts = result.texts ?? [];
    const usage = result.usage ?? null;
    if (usage) addUsage(this.usage, call.name, usage);
    this.send("lm_end", {
      ...call,
      text: error ? null : (texts[0] ?? ""),
      ...(texts.length > 1 ? { texts } : {}),
      usage,
      cached: result.cached === true,
      ...(result.finishReasons?.length ? { finish_reasons: result.finishReasons } : {}),
      error: error ? errorInfo(error) : null,
    });
  }

  onAdapterFormatStart(callId: string, instance: unknown, inputs: Inputs): void {
    const adapter = adapterName(instance);
    const call = this.start(callId, adapter);
    this.send("adapter_format_start", {
      ...call,
      adapter,
      signature: signatureText(inputs.signature),
      inputs: toJsonRecord(inputs.inputs ?? {}),
      demos: Array.isArray(inputs.demos) ? inputs.demos.length : 0,
    });
  }

  onAdapterFormatEnd(callId: string, outputs: unknown, error: unknown): void {
    const call = this.end(callId);
    this.send("adapter_format_end", {
      ...call,
      messages: error ? null : (toJsonValue(outputs) as Message[]),
      error: error ? errorInfo(error) : null,
    });
  }

  onAdapterParseStart(callId: string, instance: unknown, inputs: Inputs): void {
    const adapter = adapterName(instance);
    const call = this.start(callId, adapter);
    this.send("adapter_parse_start", { ...call, adapter, completion: String(inputs.completion ?? "") });
  }

  onAdapterParseEnd(callId: string, outputs: unknown, error: unknown): void {
    const call = this.end(callId);
    this.send("adapter_parse_end", {
      ...call,
      outputs: error ? null : toJsonRecord(outputs),
      error: error ? errorInfo(error) : null,
    });
  }

  onToolStart(callId: string, instance: unknown, inputs: Inputs): void {
    const tool = (instance as { name?: unknown }).name;
    const name = typeof tool === "string" && tool ? tool : classNameOf(instance);
    const call = this.start(callId, name);
    const args = inputs.kwargs !== undefined && Object.keys(inputs).length === 1 ? inputs.kwargs : inputs;
    this.send("tool_start", { ...call, ...stepFields(call.parent_id), tool: name, args: toJsonRecord(args) });
  }

  onToolEnd(callId: string, outputs: unknown, error: unknown): void {
    const call = this.end(callId);
    this.send("tool_end", {
      ...call,
      ...(error ? {} : { result: toJsonValue(outputs) }),
      error: error ? errorInfo(error) : null,
    });
  }
}
