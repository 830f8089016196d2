// The state of one run, built from its events. Events are applied exactly once
// and in seq order: a duplicate (replayed after a reconnect) is ignored, an
// event that arrives ahead of a gap waits until the gap is filled.
import type { ErrorInfo, EventOf, RunEvent, RunStatus, Usage } from "../dspy/events";

export type NodeKind = "module" | "format" | "lm" | "parse" | "tool";

type StartType = "module_start" | "adapter_format_start" | "lm_start" | "adapter_parse_start" | "tool_start";
type EndType = "module_end" | "adapter_format_end" | "lm_end" | "adapter_parse_end" | "tool_end";
export type StartEvent = EventOf<StartType>;
export type EndEvent = EventOf<EndType>;

const KIND_OF: Record<StartType | EndType, NodeKind> = {
  module_start: "module",
  module_end: "module",
  adapter_format_start: "format",
  adapter_format_end: "format",
  lm_start: "lm",
  lm_end: "lm",
  adapter_parse_start: "parse",
  adapter_parse_end: "parse",
  tool_start: "tool",
  tool_end: "tool",
};

/** One call (module, adapter step, LM call, tool call): a node of the tree. */
export interface CallNode {
  callId: string;
  parentId: string | null;
  kind: NodeKind;
  name: string;
  depth: number;
  start: StartEvent;
  end: EndEvent | null;
  /** LM response so far (concatenated deltas), or the final text once ended. */
  text: string;
  deltas: number;
  /** When the first token arrived (LM calls that streamed). */
  firstTokenTs: number | null;
  /** Streamed text per output field, when deltas say which field they belong to (`lm_delta.field`). */
  fields: Map<string, string>;
  /** Failed attempts of this LM call that were retried (`lm_retry`), in order. */
  retries: EventOf<"lm_retry">[];
  children: CallNode[];
}

export interface RunSummary {
  status: RunStatus;
  program: string | null;
  module: string | null;
  inputs: Record<string, unknown> | null;
  outputs: Record<string, unknown> | null;
  error: ErrorInfo | null;
  usage: Record<string, Usage>;
  startTs: number | null;
  durationMs: number | null;
}

export type Change =
  | { kind: "run_start" | "run_end"; event: RunEvent }
  | { kind: "node_start"; node: CallNode; event: RunEvent }
  | { kind: "node_delta"; node: CallNode; event: EventOf<"lm_delta"> }
  | { kind: "node_retry"; node: CallNode; event: EventOf<"lm_retry"> }
  | { kind: "node_end"; node: CallNode; event: RunEvent };

export type Listener = (change: Change) => void;

export type CallStatus = "open" | "ok" | "error" | "stopped";

export class RunState {
  readonly events: RunEvent[] = [];
  readonly nodes = new Map<string, CallNode>();
  readonly roots: CallNode[] = [];
  readonly summary: RunSummary = {
    status: "running",
    program: null,
    module: null,
    inputs: null,
    outputs: null,
    error: null,
    usage: {},
    startTs: null,
    durationMs: null,
  };
  /** Events with a seq beyond a gap, held until the gap is filled. */
  private readonly pending = new Map<number, RunEvent>();
  private readonly listeners = new Set<Listener>();
  duplicates = 0;

  constructor(readonly runId: string) {}

  /** Highest seq applied; everything up to it has been applied exactly once. */
  get lastSeq(): number {
    return this.events.length;
  }

  get done(): boolean {
    return this.summary.status !== "running";
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies an event (and any held events it unblocks). Idempotent by seq. */
  apply(event: RunEvent): void {
    if (event.run_id !== this.runId) return;
    if (event.seq <= this.lastSeq || this.pending.has(event.seq)) {
      this.duplicates++;
      return;
    }
    this.pending.set(event.seq, event);
    for (let next = this.pending.get(this.lastSeq + 1); next; next = this.pending.get(this.lastSeq + 1)) {
      this.pending.delete(next.seq);
      this.events.push(next);
      this.reduce(next);
    }
  }

  /** Where a failure started: follow failed nodes down from the failed root to the deepest one. */
  failingNode(): CallNode | null {
    const lastFailed = (nodes: CallNode[]) => nodes.findLast((n) => nodeError(n) !== null) ?? null;
    let node = lastFailed(this.roots);
    for (let child = node && lastFailed(node.children); child; child = lastFailed(child.children)) node = child;
    return node;
  }

  /**
   * The calls a cancel or a dead driver cut short: the chain from the root down to where the
   * run stopped. Empty unless the run ended cancelled or interrupted (then those calls did not
   * fail, they were stopped; an earlier failure elsewhere in the tree still did).
   */
  stoppedCalls(): Set<string> {
    const ids = new Set<string>();
    if (this.summary.status !== "cancelled" && this.summary.status !== "interrupted") return ids;
    for (let n = this.failingNode(); n; n = n.parentId ? (this.nodes.get(n.parentId) ?? null) : null) ids.add(n.callId);
    return ids;
  }

  /**
   * How a call stands, as the tree and the timeline draw it. A call a cancel or an interruption
   * cut short (or that never got to end) was stopped, not failed. Pass `stopped` when asking
   * about many calls, so the chain is found once.
   */
  callStatus(node: CallNode, stopped: ReadonlySet<string> = this.stoppedCalls()): CallStatus {
    if (nodeError(node)) return stopped.has(node.callId) ? "stopped" : "error";
    return node.end ? "ok" : this.done ? "stopped" : "open";
  }

  private emit(change: Change): void {
    for (const listener of this.listeners) listener(change);
  }

  private reduce(event: RunEvent): void {
    const s = this.summary;
    switch (event.type) {
      case "run_start":
        s.program = event.program;
        s.module = event.module;
        s.inputs = event.inputs;
        s.startTs = event.ts;
        this.emit({ kind: "run_start", event });
        return;
      case "run_end":
        s.status = event.status;
        s.outputs = event.outputs;
        s.error = event.error;
        s.usage = event.usage;
        s.durationMs = event.duration_ms;
        this.emit({ kind: "run_end", event });
        return;
      case "lm_delta": {
        const node = this.nodes.get(event.call_id);
        if (!node) return;
        node.text += event.delta;
        node.deltas++;
        node.firstTokenTs ??= event.ts;
        if (event.field) node.fields.set(event.field, (node.fields.get(event.field) ?? "") + event.delta);
        this.emit({ kind: "node_delta", node, event });
        return;
      }
      case "lm_retry": {
        const node = this.nodes.get(event.call_id);
        if (!node) return;
        node.retries.push(event);
        this.emit({ kind: "node_retry", node, event });
        return;
      }
      case "module_start":
      case "adapter_format_start":
      case "lm_start":
      case "adapter_parse_start":
      case "tool_start": {
        if (s.startTs === null) s.startTs = event.ts;
        const parent = event.parent_id ? this.nodes.get(event.parent_id) : undefined;
        const node: CallNode = {
          callId: event.call_id,
          parentId: parent ? event.parent_id : null,
          kind: KIND_OF[event.type],
          name: event.name,
          depth: parent ? parent.depth + 1 : 0,
          start: event,
          end: null,
          text: "",
          deltas: 0,
          firstTokenTs: null,
          fields: new Map(),
          retries: [],
          children: [],
        };
        this.nodes.set(node.callId, node);
        (parent ? parent.children : this.roots).push(node);
        this.emit({ kind: "node_start", node, event });
        return;
      }
      default: {
        const node = this.nodes.get(event.call_id);
        if (!node) return;
        node.end = event;
        if (event.type === "lm_end" && event.text !== null) node.text = event.text;
        this.emit({ kind: "node_end", node, event });
      }
    }
  }
}

/** Tokens of every LM call under `node` (itself included) that reported usage: what a module row rolls up. */
export function tokensUnder(node: CallNode): { prompt: number; completion: number; calls: number } {
  const total = { prompt: 0, completion: 0, calls: 0 };
  for (const n of walk([node])) {
    const usage = n.end?.type === "lm_end" ? n.end.usage : null;
    if (!usage) continue;
    total.prompt += usage.prompt_tokens;
    total.completion += usage.completion_tokens;
    total.calls++;
  }
  return total;
}

/** Depth-first order of the tree, as it is shown. */
export function* walk(nodes: readonly CallNode[]): Generator<CallNode> {
  for (const node of nodes) {
    yield node;
    yield* walk(node.children);
  }
}

export function nodeError(node: CallNode): ErrorInfo | null {
  return node.end && "error" in node.end ? node.end.error : null;
}
