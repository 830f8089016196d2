// One event schema for the wire (SSE), the log (Durable Object) and the UI.
// The runtime produces event *drafts* (no run_id/seq/ts); whoever drives a run
// stamps them, so ordering and ids are decided in exactly one place.
import { z } from "zod";

export const ErrorInfo = z.object({
  type: z.string(), // the error class, e.g. "AdapterParseError", "APIError"
  message: z.string(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;

export const Usage = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

/** Usage per model, summed over a run: DSPy's `get_lm_usage()` shape. */
export const UsageByModel = z.record(z.string(), Usage);
export type UsageByModel = z.infer<typeof UsageByModel>;

export const Message = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});
export type Message = z.infer<typeof Message>;

export const RunStatus = z.enum(["running", "succeeded", "failed", "cancelled", "interrupted"]);
export type RunStatus = z.infer<typeof RunStatus>;
export const FinalStatus = RunStatus.exclude(["running"]);
export type FinalStatus = z.infer<typeof FinalStatus>;

const stamp = {
  run_id: z.string(),
  seq: z.number().int().positive(),
  ts: z.number(), // epoch ms
};

const call = {
  call_id: z.string(),
  parent_id: z.string().nullable(),
  // modules: dotted path from the root ("answer.predict"); lm: model;
  // adapters: adapter class; tools: tool name.
  name: z.string(),
};

/**
 * A repeated call's place among its parent's: BestOfN/Refine attempt k (of n attempts at most),
 * ReAct iteration k (of max_iters at most). On module_start and tool_start, absent otherwise.
 */
const step = {
  step: z.number().int().positive().optional(),
  step_of: z.number().int().positive().optional(),
};

const Json = z.unknown();
const Record_ = z.record(z.string(), Json);

/** Each event type without the stamp: what the runtime emits. */
export const eventBodies = {
  run_start: z.object({ program: z.string(), module: z.string(), inputs: Record_ }),
  module_start: z.object({ ...call, ...step, module: z.string(), inputs: Record_ }),
  module_end: z.object({
    ...call,
    outputs: Record_.nullable(),
    error: ErrorInfo.nullable(),
    duration_ms: z.number(),
    // BestOfN/Refine only: each attempt's reward (null: the attempt failed), in step order, the
    // step kept (null: none succeeded) and the threshold that stops the attempts early.
    rewards: z.array(z.number().nullable()).optional(),
    kept: z.number().int().positive().nullable().optional(),
    threshold: z.number().optional(),
  }),
  adapter_format_start: z.object({
    ...call,
    adapter: z.string(),
    signature: z.string(),
    inputs: Record_,
    demos: z.number().int().nonnegative(),
  }),
  adapter_format_end: z.object({
    ...call,
    messages: z.array(Message).nullable(),
    error: ErrorInfo.nullable(),
    duration_ms: z.number(),
  }),
  adapter_parse_start: z.object({ ...call, adapter: z.string(), completion: z.string() }),
  adapter_parse_end: z.object({
    ...call,
    outputs: Record_.nullable(),
    error: ErrorInfo.nullable(),
    duration_ms: z.number(),
  }),
  lm_start: z.object({
    ...call,
    model: z.string(),
    messages: z.array(Message),
    params: Record_,
  }),
  // field: the output field the text belongs to; null outside any field (preamble, markers).
  lm_delta: z.object({ ...call, delta: z.string(), field: z.string().nullable().optional() }),
  // An attempt of this LM call failed and will be retried after wait_ms (same call_id as its lm_start).
  lm_retry: z.object({
    ...call,
    attempt: z.number().int().min(1),
    error: ErrorInfo,
    status: z.number().int().nullable(),
    wait_ms: z.number().nonnegative(),
  }),
  lm_end: z.object({
    ...call,
    text: z.string().nullable(), // first choice; all choices in `texts` when n > 1
    texts: z.array(z.string()).optional(),
    usage: Usage.nullable(),
    cached: z.boolean(),
    /** Why each choice stopped (`stop`, `length`, …), when the provider said so; absent for cached calls. */
    finish_reasons: z.array(z.string()).optional(),
    error: ErrorInfo.nullable(),
    duration_ms: z.number(),
  }),
  tool_start: z.object({ ...call, ...step, tool: z.string(), args: Record_ }),
  tool_end: z.object({
    ...call,
    result: Json.optional(),
    error: ErrorInfo.nullable(),
    duration_ms: z.number(),
  }),
  run_end: z.object({
    status: FinalStatus,
    outputs: Record_.nullable(),
    error: ErrorInfo.nullable(),
    usage: UsageByModel,
    duration_ms: z.number(),
  }),
} as const;

export type EventType = keyof typeof eventBodies;
export const EVENT_TYPES = Object.keys(eventBodies) as EventType[];

type Bodies = { [K in EventType]: z.infer<(typeof eventBodies)[K]> & { type: K } };
/** An event as the runtime emits it, before a run stamps it. */
export type EventDraft = Bodies[EventType];
export type DraftOf<K extends EventType> = Bodies[K];

const stamped = EVENT_TYPES.map((type) =>
  eventBodies[type].extend({ ...stamp, type: z.literal(type) }),
) as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]];

/** A stamped event: what goes over the wire, into the log, and to the UI. */
export const RunEvent = z.discriminatedUnion("type", stamped) as unknown as z.ZodType<
  { [K in EventType]: Bodies[K] & { run_id: string; seq: number; ts: number } }[EventType]
>;
export type RunEvent = z.infer<typeof RunEvent>;
export type EventOf<K extends EventType> = Extract<RunEvent, { type: K }>;

/** Marker placed where a large value was cut, so truncation is never silent. */
export const TRUNCATED_MARKER = "…[truncated]";
