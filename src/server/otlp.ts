// A finished run as one OpenTelemetry trace, in OTLP/HTTP JSON
// (`ExportTraceServiceRequest`, as the OTLP spec writes JSON: hex ids, int64
// as decimal strings, enums as numbers) with the GenAI semantic conventions:
// the run is `invoke_workflow {program}`, modules are INTERNAL spans named by
// path, LM calls CLIENT spans `chat {model}`, tools `execute_tool {name}`,
// adapter format/parse child spans. Content (prompts, completions, inputs,
// outputs, tool args and results) is included only when asked for.
import type { RunEvent } from "../dspy/events";

export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
export const STATUS_CODE = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export type AnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: AnyValue[] } };
export interface KeyValue {
  key: string;
  value: AnyValue;
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  status: { code: number; message?: string };
}
export interface OtlpTraces {
  resourceSpans: {
    resource: { attributes: KeyValue[] };
    scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[];
  }[];
}

export interface TraceOptions {
  /** Prompts, completions, inputs, outputs, tool args/results (OTEL_CAPTURE_CONTENT). */
  captureContent?: boolean;
  serviceName?: string;
}

const SCOPE = { name: "dspy-edge", version: "0.1.0" };

function value(v: unknown): AnyValue | null {
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "number") return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) {
    const values = v.map(value).filter((x): x is AnyValue => x !== null);
    return { arrayValue: { values } };
  }
  return null;
}

function attrs(record: Record<string, unknown>): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [key, v] of Object.entries(record)) {
    if (v === undefined || v === null) continue;
    const av = value(v);
    if (av) out.push({ key, value: av });
  }
  return out;
}

/** A double attribute even for whole numbers (temperature 1 is 1.0, not an int). */
const double = (v: unknown): AnyValue | undefined => (typeof v === "number" && Number.isFinite(v) ? { doubleValue: v } : undefined);

/** Epoch ms → OTLP's uint64 nanoseconds, as a decimal string (beyond 2^53, so never via a float). */
export function nanos(ms: number): string {
  const whole = Math.floor(ms);
  const frac = Math.round((ms - whole) * 1e6);
  return (BigInt(whole) * 1_000_000n + BigInt(frac)).toString();
}

/** 64-bit FNV-1a, hex: a stable span id for ids that are not already hex. */
function fnv64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const ch of new TextEncoder().encode(text)) {
    h ^= BigInt(ch);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return (h || 1n).toString(16).padStart(16, "0");
}

/** The trace id is the run id (128 random bits, hex): a run and its trace share one name. */
export function traceIdOf(runId: string): string {
  return /^[0-9a-f]{32}$/.test(runId) ? runId : fnv64(runId) + fnv64(`${runId}#`);
}

function spanIdOf(callId: string): string {
  const id = /^[0-9a-f]{32}$/.test(callId) ? callId.slice(0, 16) : fnv64(callId);
  return /^0+$/.test(id) ? fnv64(callId) : id;
}

const json = (v: unknown) => JSON.stringify(v);

/** The GenAI provider as the instrumentation knows it: every LM here speaks the OpenAI API; the demo LM is ours. */
function providerOf(model: string): string {
  return model.startsWith("demo/") ? "dspy_edge.demo" : "openai";
}

interface Open {
  span: OtlpSpan;
  start: RunEvent;
  extra: Record<string, unknown>;
  firstChunkTs?: number;
}

/** Builds the trace of one run from its stored events (the run should have ended; open calls end with it). */
export function runToOtlp(events: readonly RunEvent[], options: TraceOptions = {}): OtlpTraces {
  const capture = options.captureContent === true;
  const first = events[0];
  if (!first || first.type !== "run_start") throw new Error("A trace needs the run's events from run_start on");
  const runId = first.run_id;
  const traceId = traceIdOf(runId);
  const rootId = spanIdOf(`${runId}:run`);
  const end = events.findLast((e) => e.type === "run_end");
  const lastTs = end?.ts ?? events.at(-1)!.ts;
  const spans: OtlpSpan[] = [];
  const open = new Map<string, Open>();

  const root: OtlpSpan = {
    traceId,
    spanId: rootId,
    name: `invoke_workflow ${first.program}`,
    kind: SPAN_KIND.INTERNAL,
    startTimeUnixNano: nanos(first.ts),
    endTimeUnixNano: nanos(lastTs),
    attributes: [],
    status: { code: STATUS_CODE.UNSET },
  };
  const rootAttrs: Record<string, unknown> = {
    "gen_ai.operation.name": "invoke_workflow",
    "gen_ai.workflow.name": first.program,
    "dspy.run.id": runId,
    "dspy.module": first.module,
    ...(capture ? { "dspy.inputs": json(first.inputs) } : {}),
  };
  if (end?.type === "run_end") {
    rootAttrs["dspy.run.status"] = end.status;
    for (const [model, u] of Object.entries(end.usage)) {
      rootAttrs[`dspy.usage.${model}.input_tokens`] = u.prompt_tokens;
      rootAttrs[`dspy.usage.${model}.output_tokens`] = u.completion_tokens;
    }
    if (end.error) {
      rootAttrs["error.type"] = end.error.type;
      root.status = { code: STATUS_CODE.ERROR, message: end.error.message };
    } else if (capture && end.outputs) {
      rootAttrs["dspy.outputs"] = json(end.outputs);
    }
  }
  root.attributes = attrs(rootAttrs);
  spans.push(root);

  const begin = (e: Extract<RunEvent, { call_id: string }>, name: string, kind: number, extra: Record<string, unknown>) => {
    const span: OtlpSpan = {
      traceId,
      spanId: spanIdOf(e.call_id),
      parentSpanId: e.parent_id ? spanIdOf(e.parent_id) : rootId,
      name,
      kind,
      startTimeUnixNano: nanos(e.ts),
      endTimeUnixNano: nanos(lastTs),
      attributes: [],
      status: { code: STATUS_CODE.UNSET },
    };
    open.set(e.call_id, { span, start: e, extra });
  };
  const finish = (e: Extract<RunEvent, { call_id: string }>, extra: Record<string, unknown>, error: { type: string; message: string } | null) => {
    const o = open.get(e.call_id);
    if (!o) return;
    open.delete(e.call_id);
    o.span.endTimeUnixNano = nanos(e.ts);
    Object.assign(o.extra, extra);
    if (error) {
      o.extra["error.type"] = error.type;
      o.span.status = { code: STATUS_CODE.ERROR, message: error.message };
    }
    close(o);
  };
  const close = (o: Open) => {
    const doubles: KeyValue[] = [];
    for (const [k, v] of Object.entries(o.extra)) {
      if (k === "gen_ai.request.temperature" || k === "gen_ai.request.top_p" || k === "gen_ai.response.time_to_first_chunk") {
        const d = double(v);
        if (d) doubles.push({ key: k, value: d });
        delete o.extra[k];
      }
    }
    o.span.attributes = [...attrs(o.extra), ...doubles];
    spans.push(o.span);
  };

  for (const e of events) {
    switch (e.type) {
      case "module_start":
        begin(e, e.name, SPAN_KIND.INTERNAL, { "dspy.module": e.module, "dspy.call_id": e.call_id, ...(capture ? { "dspy.inputs": json(e.inputs) } : {}) });
        break;
      case "module_end":
        finish(e, capture && e.outputs ? { "dspy.outputs": json(e.outputs) } : {}, e.error);
        break;
      case "adapter_format_start":
        begin(e, `format ${e.adapter}`, SPAN_KIND.INTERNAL, { "dspy.adapter": e.adapter, "dspy.signature": e.signature, "dspy.demos": e.demos });
        break;
      case "adapter_format_end":
        finish(e, {}, e.error);
        break;
      case "adapter_parse_start":
        begin(e, `parse ${e.adapter}`, SPAN_KIND.INTERNAL, { "dspy.adapter": e.adapter, ...(capture ? { "dspy.completion": e.completion } : {}) });
        break;
      case "adapter_parse_end":
        finish(e, capture && e.outputs ? { "dspy.outputs": json(e.outputs) } : {}, e.error);
        break;
      case "lm_start": {
        const p = e.params;
        const n = typeof p.n === "number" && p.n > 1 ? p.n : undefined;
        begin(e, `chat ${e.model}`, SPAN_KIND.CLIENT, {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": providerOf(e.model),
          "gen_ai.request.model": e.model,
          "gen_ai.request.temperature": p.temperature,
          "gen_ai.request.max_tokens": p.max_tokens ?? p.max_completion_tokens,
          "gen_ai.request.top_p": p.top_p,
          "gen_ai.request.choice.count": n,
          "gen_ai.request.seed": p.seed,
          "gen_ai.request.stop_sequences": typeof p.stop === "string" ? [p.stop] : p.stop,
          ...(capture ? { "gen_ai.input.messages": json(e.messages.map((m) => ({ role: m.role, parts: [{ type: "text", content: m.content }] }))) } : {}),
        });
        break;
      }
      case "lm_delta": {
        const o = open.get(e.call_id);
        if (o && o.firstChunkTs === undefined) o.firstChunkTs = e.ts;
        break;
      }
      case "lm_end": {
        const o = open.get(e.call_id);
        const reasons = e.finish_reasons;
        const texts = e.texts ?? (e.text !== null ? [e.text] : []);
        finish(
          e,
          {
            "gen_ai.response.finish_reasons": reasons,
            "gen_ai.usage.input_tokens": e.usage?.prompt_tokens,
            "gen_ai.usage.output_tokens": e.usage?.completion_tokens,
            "gen_ai.response.time_to_first_chunk": o?.firstChunkTs !== undefined ? (o.firstChunkTs - o.start.ts) / 1000 : undefined,
            "dspy.lm.cached": e.cached,
            ...(capture && texts.length
              ? { "gen_ai.output.messages": json(texts.map((t, i) => ({ role: "assistant", parts: [{ type: "text", content: t }], finish_reason: reasons?.[i] ?? "stop" }))) }
              : {}),
          },
          e.error,
        );
        break;
      }
      case "tool_start":
        begin(e, `execute_tool ${e.tool}`, SPAN_KIND.INTERNAL, {
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.name": e.tool,
          "gen_ai.tool.type": "function",
          "gen_ai.tool.call.id": e.call_id,
          ...(capture ? { "gen_ai.tool.call.arguments": json(e.args) } : {}),
        });
        break;
      case "tool_end":
        finish(e, capture && e.result !== undefined ? { "gen_ai.tool.call.result": typeof e.result === "string" ? e.result : json(e.result) } : {}, e.error);
        break;
    }
  }
  // Calls the log never closed end with it: an error when the run ended without
  // them (interrupted), still open (unset status) when the run is still going.
  for (const o of open.values()) {
    o.extra["dspy.unfinished"] = true;
    if (end) {
      o.extra["error.type"] = "Unfinished";
      o.span.status = { code: STATUS_CODE.ERROR, message: "The call had not ended when the run did" };
    }
    close(o);
  }

  return {
    resourceSpans: [
      {
        resource: { attributes: attrs({ "service.name": options.serviceName || "dspy-edge", "service.version": SCOPE.version }) },
        scopeSpans: [{ scope: SCOPE, spans }],
      },
    ],
  };
}
