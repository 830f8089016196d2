// The page's run state on its own (no browser): events applied exactly once and in seq
// order whatever order and repetition they arrive in, and the tree they build.
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/dspy/events";
import { parseLiteralOptions, fieldControl } from "../../src/ui/field-kind";
import { fieldIssues } from "../../src/ui/form";
import { RunState, walk } from "../../src/ui/run-state";

const R = "r1";
let ts = 1000;
const ev = (seq: number, body: Record<string, unknown>) => ({ run_id: R, seq, ts: ts++, ...body }) as unknown as RunEvent;
const call = (id: string, parent: string | null, name: string) => ({ call_id: id, parent_id: parent, name });

function cotLog(): RunEvent[] {
  return [
    ev(1, { type: "run_start", program: "reason", module: "ChainOfThought", inputs: { question: "q" } }),
    ev(2, { type: "module_start", ...call("a", null, "ChainOfThought"), module: "ChainOfThought", inputs: { question: "q" } }),
    ev(3, { type: "module_start", ...call("b", "a", "ChainOfThought.predict"), module: "Predict", inputs: { question: "q" } }),
    ev(4, { type: "lm_start", ...call("c", "b", "m"), model: "m", messages: [{ role: "user", content: "hi" }], params: {} }),
    ev(5, { type: "lm_delta", ...call("c", "b", "m"), delta: "Par" }),
    ev(6, { type: "lm_delta", ...call("c", "b", "m"), delta: "is" }),
    ev(7, { type: "lm_end", ...call("c", "b", "m"), text: "Paris", usage: null, cached: false, error: null, duration_ms: 5 }),
    ev(8, { type: "module_end", ...call("b", "a", "ChainOfThought.predict"), outputs: { answer: "Paris" }, error: null, duration_ms: 6 }),
    ev(9, { type: "module_end", ...call("a", null, "ChainOfThought"), outputs: { answer: "Paris" }, error: null, duration_ms: 7 }),
    ev(10, { type: "run_end", status: "succeeded", outputs: { answer: "Paris" }, error: null, usage: {}, duration_ms: 8 }),
  ];
}

describe("RunState", () => {
  it("applies a replay that overlaps what it has, and events ahead of a gap, exactly once in order", () => {
    const log = cotLog();
    const state = new RunState(R);
    const deltas: string[] = [];
    state.subscribe((c) => c.kind === "node_delta" && deltas.push(c.event.delta));
    for (const e of log.slice(0, 5)) state.apply(e);
    // A resumed stream that starts early (overlap), with one event arriving ahead of its turn.
    for (const e of [log[3], log[4], log[6], log[5], ...log.slice(7), log[9]]) state.apply(e);
    expect(state.events.map((e) => e.seq)).toEqual(log.map((e) => e.seq));
    expect(deltas).toEqual(["Par", "is"]);
    expect(state.duplicates).toBe(3);
    expect(state.done).toBe(true);
    expect(state.summary.outputs).toEqual({ answer: "Paris" });
    const nodes = [...walk(state.roots)].map((n) => [n.kind, n.name, n.depth]);
    expect(nodes).toEqual([["module", "ChainOfThought", 0], ["module", "ChainOfThought.predict", 1], ["lm", "m", 2]]);
  });

  it("holds events after a gap until the gap is filled", () => {
    const log = cotLog();
    const state = new RunState(R);
    state.apply(log[0]);
    state.apply(log[2]);
    expect(state.lastSeq).toBe(1);
    expect(state.nodes.size).toBe(0);
    state.apply(log[1]);
    expect(state.lastSeq).toBe(3);
    expect([...walk(state.roots)].map((n) => n.callId)).toEqual(["a", "b"]);
  });

  it("ignores another run's events", () => {
    const state = new RunState("other");
    state.apply(cotLog()[0]);
    expect(state.lastSeq).toBe(0);
  });

  it("finds the node where a failure started, below the modules that failed with it", () => {
    const err = { type: "AdapterParseError", message: "no answer" };
    const state = new RunState(R);
    for (const e of [
      ...cotLog().slice(0, 7),
      ev(8, { type: "adapter_parse_start", ...call("d", "b", "ChatAdapter"), adapter: "ChatAdapter", completion: "x" }),
      ev(9, { type: "adapter_parse_end", ...call("d", "b", "ChatAdapter"), outputs: null, error: err, duration_ms: 1 }),
      ev(10, { type: "module_end", ...call("b", "a", "ChainOfThought.predict"), outputs: null, error: err, duration_ms: 6 }),
      ev(11, { type: "module_end", ...call("a", null, "ChainOfThought"), outputs: null, error: err, duration_ms: 7 }),
      ev(12, { type: "run_end", status: "failed", outputs: null, error: err, usage: {}, duration_ms: 8 }),
    ]) {
      state.apply(e);
    }
    expect(state.summary.status).toBe("failed");
    expect(state.failingNode()?.callId).toBe("d");
  });

  it("calls a cancel cut short are stopped, not failed, once the run has ended cancelled", () => {
    const aborted = { type: "APIUserAbortError", message: "LM request to demo/m was aborted" };
    const toolErr = { type: "ToolError", message: "no such city" };
    const state = new RunState(R);
    for (const e of [
      ...cotLog().slice(0, 8),
      // A tool that really failed (the program carried on), then a second predict whose LM call
      // the cancel aborted while another LM call of it had not ended yet.
      ev(9, { type: "tool_start", ...call("t", "a", "lookup"), tool: "lookup", args: {} }),
      ev(10, { type: "tool_end", ...call("t", "a", "lookup"), result: null, error: toolErr, duration_ms: 1 }),
      ev(11, { type: "module_start", ...call("g", "a", "ChainOfThought.predict"), module: "Predict", inputs: {} }),
      ev(12, { type: "lm_start", ...call("e", "g", "m"), model: "m", messages: [], params: {} }),
      ev(13, { type: "lm_start", ...call("f", "g", "m"), model: "m", messages: [], params: {} }),
      ev(14, { type: "lm_end", ...call("e", "g", "m"), text: null, usage: null, cached: false, error: aborted, duration_ms: 2 }),
      ev(15, { type: "module_end", ...call("g", "a", "ChainOfThought.predict"), outputs: null, error: aborted, duration_ms: 6 }),
      ev(16, { type: "module_end", ...call("a", null, "ChainOfThought"), outputs: null, error: aborted, duration_ms: 7 }),
    ]) {
      state.apply(e);
    }
    const statuses = () => Object.fromEntries([...walk(state.roots)].map((n) => [n.callId, state.callStatus(n)]));
    // While the run is going, an aborted call looks like any failure and an unended one is running.
    expect(statuses()).toEqual({ a: "error", b: "ok", c: "ok", t: "error", g: "error", e: "error", f: "open" });
    state.apply(ev(17, { type: "run_end", status: "cancelled", outputs: null, error: aborted, usage: {}, duration_ms: 8 }));
    // The chain down to the aborted call was stopped; the tool's own failure stays a failure,
    // and the call the run never let end is stopped too.
    expect([...state.stoppedCalls()].sort()).toEqual(["a", "e", "g"]);
    expect(statuses()).toEqual({ a: "stopped", b: "ok", c: "ok", t: "error", g: "stopped", e: "stopped", f: "stopped" });
  });
});

describe("form controls from signature fields", () => {
  it("reads DSPy annotations and JSON schemas", () => {
    expect(parseLiteralOptions(`'a', "b c", 3, True`)).toEqual(["a", "b c", 3, true]);
    const kind = (type: string, schema?: Record<string, unknown>) => fieldControl({ name: "f", type, description: null, schema: schema ?? {}, optional: false });
    expect(kind("int").control).toEqual({ kind: "int" });
    expect(kind("Literal['x', 'y']").control).toEqual({ kind: "select", options: ["x", "y"] });
    expect(kind("Optional[list[str]]")).toMatchObject({ control: { kind: "json", shape: "list" }, optional: true });
    expect(kind("whatever", { type: "boolean" }).control).toEqual({ kind: "bool" });
    expect(kind("x", { enum: ["p", "q"] }).control).toEqual({ kind: "select", options: ["p", "q"] });
    expect(kind("x", { anyOf: [{ type: "number" }, { type: "null" }] })).toMatchObject({ control: { kind: "float" }, optional: true });
  });

  it("maps a 400's details to fields", () => {
    expect(fieldIssues({ issues: [{ field: "question", message: "Required" }, { field: null, message: "body" }] })).toEqual([
      { field: "question", path: "question", message: "Required" },
      { field: null, path: null, message: "body" },
    ]);
    // An item's issue lands on its field and keeps its index in the message.
    expect(fieldIssues([{ path: ["context", 0], message: "expected string" }])).toEqual([{ field: "context", path: "context.0", message: "context.0: expected string" }]);
    expect(fieldIssues({ issues: [{ field: "items.1", message: "bad" }] })).toEqual([{ field: "items", path: "items.1", message: "items.1: bad" }]);
  });
});
