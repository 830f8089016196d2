// A run's calls as a tree, built from its events by call_id/parent_id, the same nesting the web UI
// draws. Each event is applied once (the follower drops repeats by seq).
import type { ErrorInfo, RunEvent, Usage } from "../dspy/events";
import type { Arrival } from "./follow";
import { duration } from "./text";

export type NodeKind = "module" | "lm" | "tool" | "format" | "parse";

export interface CallNode {
  readonly id: string;
  readonly parentId: string | null;
  readonly kind: NodeKind;
  /** Module path, model, adapter class or tool name (the event's `name`). */
  readonly name: string;
  /** Module class, adapter, model or tool. */
  readonly detail: string;
  readonly depth: number;
  /** When this client saw the start (local clock, for the ticking duration of open calls). */
  readonly seenAt: number;
  readonly children: CallNode[];
  ended: boolean;
  durationMs: number | null;
  error: ErrorInfo | null;
  /** LM: the streamed text so far, then the final text. */
  text: string;
  usage: Usage | null;
  cached: boolean;
  args: Record<string, unknown> | null;
  result: unknown;
  /** Retries of an LM call, and events of types this client does not know, one line each. */
  notes: string[];
  /** A repeated module's place: BestOfN/Refine attempt or ReAct iteration `step` of at most `stepOf`. */
  step: number | null;
  stepOf: number | null;
  /** BestOfN/Refine: each attempt's reward (null: it failed) and the attempt kept. */
  rewards: (number | null)[] | null;
  kept: number | null;
}

const KIND: Partial<Record<RunEvent["type"], NodeKind>> = {
  module_start: "module",
  lm_start: "lm",
  tool_start: "tool",
  adapter_format_start: "format",
  adapter_parse_start: "parse",
};

export type RunEnd = Extract<RunEvent, { type: "run_end" }>;

export class RunTree {
  readonly roots: CallNode[] = [];
  readonly nodes = new Map<string, CallNode>();
  program: string | null = null;
  module: string | null = null;
  end: RunEnd | null = null;
  lastSeq = 0;

  constructor(readonly runId: string) {}

  /** Applies one event; answers the node it touched (null for run events and unknown calls). */
  apply(arrival: Arrival, now = Date.now()): CallNode | null {
    this.lastSeq = Math.max(this.lastSeq, arrival.seq);
    const event = arrival.event;
    if (!event || arrival.type === "lm_retry") return this.note(arrival);
    switch (event.type) {
      case "run_start":
        this.program = event.program;
        this.module = event.module;
        return null;
      case "run_end":
        this.end = event;
        return null;
      case "module_start":
      case "lm_start":
      case "tool_start":
      case "adapter_format_start":
      case "adapter_parse_start":
        return this.start(event, KIND[event.type]!, now, arrival.data);
      case "lm_delta": {
        const node = this.nodes.get(event.call_id);
        if (node) node.text += event.delta;
        return node ?? null;
      }
      case "module_end":
      case "lm_end":
      case "tool_end":
      case "adapter_format_end":
      case "adapter_parse_end":
        return this.finish(event, arrival.data);
      default:
        return this.note(arrival);
    }
  }

  // Optional fields (step, rewards, kept) are read from the raw event: a server may send them before
  // this client's schema knows them.
  private start(event: Extract<RunEvent, { call_id: string }>, kind: NodeKind, now: number, data: Record<string, unknown>): CallNode {
    const parent = event.parent_id ? this.nodes.get(event.parent_id) : undefined;
    const detail =
      event.type === "module_start" ? event.module
      : event.type === "lm_start" ? event.model
      : event.type === "tool_start" ? event.tool
      : "adapter" in event ? event.adapter
      : "";
    const node: CallNode = {
      id: event.call_id,
      parentId: parent ? parent.id : null,
      kind,
      name: event.name,
      detail,
      depth: parent ? parent.depth + 1 : 0,
      seenAt: now,
      children: [],
      ended: false,
      durationMs: null,
      error: null,
      text: "",
      usage: null,
      cached: false,
      args: event.type === "tool_start" ? event.args : null,
      result: undefined,
      notes: [],
      step: positiveInt(data.step),
      stepOf: positiveInt(data.step_of),
      rewards: null,
      kept: null,
    };
    this.nodes.set(node.id, node);
    (parent ? parent.children : this.roots).push(node);
    return node;
  }

  private finish(event: RunEvent, data: Record<string, unknown>): CallNode | null {
    if (!("call_id" in event)) return null;
    const node = this.nodes.get(event.call_id);
    if (!node) return null;
    node.ended = true;
    if ("duration_ms" in event) node.durationMs = event.duration_ms;
    if ("error" in event) node.error = event.error ?? null;
    if (event.type === "lm_end") {
      node.text = event.text ?? node.text;
      node.usage = event.usage;
      node.cached = event.cached;
    }
    if (event.type === "tool_end") node.result = event.result;
    if (Array.isArray(data.rewards)) node.rewards = data.rewards.map((r) => (typeof r === "number" ? r : null));
    node.kept = positiveInt(data.kept);
    return node;
  }

  /** An LM retry, or an event of a type this client does not know: a note on its call when it names one. */
  private note(arrival: Arrival): CallNode | null {
    const data = arrival.data;
    const node = typeof data.call_id === "string" ? this.nodes.get(data.call_id) : undefined;
    if (!node) return null;
    const error = data.error as { type?: unknown; message?: unknown } | null | undefined;
    const message = typeof error?.message === "string" ? `${typeof error.type === "string" ? `${error.type}: ` : ""}${error.message}` : "";
    if (arrival.type === "lm_retry") {
      const status = typeof data.status === "number" ? `HTTP ${data.status}` : "no answer";
      const wait = typeof data.wait_ms === "number" ? `, retrying in ${duration(data.wait_ms)}` : "";
      node.notes.push(`attempt ${String(data.attempt ?? "?")} failed (${status}${message ? `: ${message}` : ""})${wait}`);
    } else {
      node.notes.push([arrival.type, message].filter(Boolean).join(" · "));
    }
    return node;
  }
}

/** Adapter steps are shown only when they fail: the module and LM lines already tell the story. */
export function isShown(node: CallNode): boolean {
  return (node.kind !== "format" && node.kind !== "parse") || node.error !== null || node.notes.length > 0;
}

function positiveInt(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : null;
}

export function totalTokens(usage: Record<string, Usage> | undefined): number {
  return Object.values(usage ?? {}).reduce((sum, u) => sum + u.total_tokens, 0);
}
