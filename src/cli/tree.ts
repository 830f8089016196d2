// A run's calls as a tree, built from its events by call_id/parent_id, the same nesting the web UI
// draws. Each event is applied once (the follower drops repeats by seq).
import type { ErrorInfo, RunEvent, Usage } from "../dspy/events";
import type { Arrival } from "./follow";

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
  /** Events this client has no view for (a newer server's types), e.g. `lm_retry attempt 1: …`. */
  notes: string[];
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
    if (!event) return this.note(arrival);
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
        return this.start(event, KIND[event.type]!, now);
      case "lm_delta": {
        const node = this.nodes.get(event.call_id);
        if (node) node.text += event.delta;
        return node ?? null;
      }
      default:
        return this.finish(event);
    }
  }

  private start(event: Extract<RunEvent, { call_id: string }>, kind: NodeKind, now: number): CallNode {
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
    };
    this.nodes.set(node.id, node);
    (parent ? parent.children : this.roots).push(node);
    return node;
  }

  private finish(event: RunEvent): CallNode | null {
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
    return node;
  }

  /** An event of a type this client does not know, kept as a note on its call when it names one. */
  private note(arrival: Arrival): CallNode | null {
    const callId = arrival.data.call_id;
    const node = typeof callId === "string" ? this.nodes.get(callId) : undefined;
    if (!node) return null;
    const error = arrival.data.error as { message?: unknown } | null | undefined;
    const attempt = arrival.data.attempt;
    node.notes.push(
      [arrival.type, typeof attempt === "number" ? `attempt ${attempt}` : "", typeof error?.message === "string" ? error.message : ""]
        .filter(Boolean)
        .join(" · "),
    );
    return node;
  }
}

/** Adapter steps are shown only when they fail: the module and LM lines already tell the story. */
export function isShown(node: CallNode): boolean {
  return (node.kind !== "format" && node.kind !== "parse") || node.error !== null || node.notes.length > 0;
}

export function totalTokens(usage: Record<string, Usage> | undefined): number {
  return Object.values(usage ?? {}).reduce((sum, u) => sum + u.total_tokens, 0);
}
