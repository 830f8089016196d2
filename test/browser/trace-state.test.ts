// What the trace UI reads from events, without a browser: retries and per-field text on LM
// calls, the first token's time, tokens rolled up under a module, step labels and attempt
// outcomes, and one-line summaries that never start mid-word.
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/dspy/events";
import { attemptOutcome, completionFields, moduleStats, nodeSummary, stepLabel, wordTail } from "../../src/ui/node-summary";
import { RunState, tokensUnder } from "../../src/ui/run-state";

const R = "r1";
const call = (id: string, parent: string | null, name: string) => ({ call_id: id, parent_id: parent, name });
const usage = (p: number, c: number) => ({ prompt_tokens: p, completion_tokens: c, total_tokens: p + c });

function state(bodies: Record<string, unknown>[]): RunState {
  const s = new RunState(R);
  bodies.forEach((b, i) => s.apply({ run_id: R, seq: i + 1, ts: 1000 + i * 10, ...b } as unknown as RunEvent));
  return s;
}

describe("the trace's reading of events", () => {
  it("an LM call keeps its retries, its text per field (lm_delta.field) and when its first token came", () => {
    const s = state([
      { type: "run_start", program: "p", module: "Predict", inputs: {} },
      { type: "lm_start", ...call("l", null, "m"), model: "m", messages: [], params: {} },
      { type: "lm_retry", ...call("l", null, "m"), attempt: 1, error: { type: "APIError", message: "503" }, status: 503, wait_ms: 500 },
      { type: "lm_delta", ...call("l", null, "m"), delta: '{"answer": "', field: null },
      { type: "lm_delta", ...call("l", null, "m"), delta: "Par", field: "answer" },
      { type: "lm_delta", ...call("l", null, "m"), delta: "is", field: "answer" },
    ]);
    const lm = s.nodes.get("l")!;
    expect(lm.retries.map((r) => [r.attempt, r.status, r.wait_ms])).toEqual([[1, 503, 500]]);
    expect(lm.firstTokenTs).toBe(1030);
    expect(completionFields(lm)).toEqual([["answer", "Paris"]]);
    expect(nodeSummary(lm)).toBe("answer: Paris");
  });

  it("reads ChatAdapter's markers when deltas carry no field; summaries start at a word", () => {
    const s = state([
      { type: "run_start", program: "p", module: "Predict", inputs: {} },
      { type: "lm_start", ...call("l", null, "m"), model: "m", messages: [], params: {} },
      { type: "lm_delta", ...call("l", null, "m"), delta: "[[ ## reasoning ## ]]\nThe sky scatters blue light more than red light because of Rayleigh scattering by small molecules in the air." },
    ]);
    const lm = s.nodes.get("l")!;
    const live = nodeSummary(lm);
    expect(live.startsWith("reasoning: ")).toBe(true);
    expect(live.length).toBeLessThanOrEqual("reasoning: ".length + 121);
    // From a word boundary: a cut word ("…ma" of gamma) is dropped, the rest starts with a whole word.
    expect(wordTail("alpha beta gamma delta epsilon", 16)).toBe("…delta epsilon");
    expect(wordTail("alpha beta gamma delta epsilon", 14)).toBe("…delta epsilon");
    expect(wordTail("short text", 40)).toBe("short text");
  });

  it("rolls up tokens under a module; labels attempts and steps; reads rewards and the kept attempt off the parent's end", () => {
    const lm = (id: string, parent: string, p: number, c: number) => [
      { type: "lm_start", ...call(id, parent, "m"), model: "m", messages: [], params: {} },
      { type: "lm_end", ...call(id, parent, "m"), text: "x", usage: usage(p, c), cached: false, error: null, duration_ms: 5 },
    ];
    const s = state([
      { type: "run_start", program: "best", module: "BestOfN", inputs: {} },
      { type: "module_start", ...call("b", null, "best"), module: "BestOfN", inputs: {} },
      { type: "module_start", ...call("a1", "b", "best.module"), module: "Predict", inputs: {}, step: 1, step_of: 2 },
      ...lm("l1", "a1", 100, 20),
      { type: "module_end", ...call("a1", "b", "best.module"), outputs: { answer: "long" }, error: null, duration_ms: 9 },
      { type: "module_start", ...call("f1", "b", "best.feedback"), module: "Predict", inputs: {}, step: 1, step_of: 2 },
      ...lm("lf", "f1", 50, 5),
      { type: "module_end", ...call("f1", "b", "best.feedback"), outputs: {}, error: null, duration_ms: 9 },
      { type: "module_start", ...call("a2", "b", "best.module"), module: "Predict", inputs: {}, step: 2, step_of: 2 },
      ...lm("l2", "a2", 110, 10),
      { type: "module_end", ...call("a2", "b", "best.module"), outputs: { answer: "short" }, error: null, duration_ms: 9 },
      { type: "module_end", ...call("b", null, "best"), outputs: { answer: "short" }, error: null, duration_ms: 30, rewards: [0.2, 1], kept: 2, threshold: 1 },
    ]);
    const [b, a1, f1, a2] = ["b", "a1", "f1", "a2"].map((id) => s.nodes.get(id)!);
    expect(tokensUnder(b)).toEqual({ prompt: 260, completion: 35, calls: 3 });
    expect(moduleStats(b)?.text).toBe("260→35 tok");
    expect(moduleStats(a1)?.title).toBe("100 prompt + 20 completion tokens over 1 LM call under this module");
    expect([stepLabel(a1, b), stepLabel(f1, b), stepLabel(a2, b), stepLabel(b, null)]).toEqual([
      "attempt 1 of 2",
      "feedback on attempt 1",
      "attempt 2 of 2",
      null,
    ]);
    expect(attemptOutcome(a1, b)).toEqual({ reward: 0.2, kept: false, threshold: 1 });
    expect(attemptOutcome(a2, b)).toEqual({ reward: 1, kept: true, threshold: 1 });
    expect(attemptOutcome(f1, b)).toBeNull();
  });

  it("labels ReAct's iterations and their tool calls as steps", () => {
    const s = state([
      { type: "run_start", program: "agent", module: "ReAct", inputs: {} },
      { type: "module_start", ...call("r", null, "agent"), module: "ReAct", inputs: {} },
      { type: "module_start", ...call("p", "r", "agent.react"), module: "Predict", inputs: {}, step: 3, step_of: 6 },
      { type: "tool_start", ...call("t", "r", "finish"), tool: "finish", args: {}, step: 3, step_of: 6 },
    ]);
    const r = s.nodes.get("r")!;
    expect(stepLabel(s.nodes.get("p")!, r)).toBe("step 3");
    expect(stepLabel(s.nodes.get("t")!, r)).toBe("step 3");
  });
});
