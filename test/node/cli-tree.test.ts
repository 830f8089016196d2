// The terminal tree from events alone: nesting by parent_id, hidden adapter steps, and fields a newer
// server may send before this client's schema knows them (attempt steps, rewards, LM retries).
import { describe, expect, it } from "vitest";
import { parseFrame } from "../../src/cli/follow";
import { render } from "../../src/cli/text";
import { RunTree } from "../../src/cli/tree";
import { treeLines } from "../../src/cli/views";

const RUN = "r1";
let seq = 0;
const frame = (body: Record<string, unknown>) => JSON.stringify({ run_id: RUN, seq: ++seq, ts: 1000 + seq, ...body });
const call = (call_id: string, parent_id: string | null, name: string) => ({ call_id, parent_id, name });

function build(frames: string[]): RunTree {
  const tree = new RunTree(RUN);
  for (const raw of frames) tree.apply(parseFrame(raw, RUN)!, 0);
  return tree;
}

const lines = (tree: RunTree, live: boolean) => treeLines(tree, 1500, live).map((l) => render(l, false));

describe("the run tree", () => {
  seq = 0;
  const frames = [
    frame({ type: "run_start", program: "best", module: "BestOfN", inputs: { question: "q" } }),
    frame({ type: "module_start", ...call("b", null, "best"), module: "BestOfN", inputs: {} }),
    frame({ type: "module_start", ...call("a1", "b", "best.module"), module: "ChainOfThought", inputs: {}, step: 1, step_of: 3 }),
    frame({ type: "adapter_format_start", ...call("f1", "a1", "ChatAdapter"), adapter: "ChatAdapter", signature: "q -> a", inputs: {}, demos: 0 }),
    frame({ type: "adapter_format_end", ...call("f1", "a1", "ChatAdapter"), messages: [], error: null, duration_ms: 1 }),
    frame({ type: "lm_start", ...call("l1", "a1", "gpt-4o-mini"), model: "gpt-4o-mini", messages: [], params: {} }),
    frame({ type: "lm_retry", ...call("l1", "a1", "gpt-4o-mini"), attempt: 1, error: { type: "RateLimitError", message: "slow down" }, status: 429, wait_ms: 500 }),
    frame({ type: "lm_delta", ...call("l1", "a1", "gpt-4o-mini"), delta: "[[ ## answer ## ]]\nforty", field: null }),
  ];

  it("while running: open calls tick, the LM's text streams under it, a retry is a note and not an end", () => {
    expect(lines(build(frames), true)).toEqual([
      "◌ best  BestOfN  1.5s…",
      "└─ ◌ best.module  ChainOfThought  step 1/3  1.5s…",
      "   └─ ◌ lm gpt-4o-mini  24 chars  1.5s…",
      "           ↻ attempt 1 failed (HTTP 429: RateLimitError: slow down), retrying in 500ms",
      "           answer:",
      "           forty",
    ]);
  });

  it("finished: durations, tokens, tool args → result, the attempt kept and the rewards", () => {
    const done = [
      ...frames,
      frame({ type: "lm_end", ...call("l1", "a1", "gpt-4o-mini"), text: "[[ ## answer ## ]]\nforty-two\n\n[[ ## completed ## ]]", usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }, cached: false, error: null, duration_ms: 700 }),
      frame({ type: "adapter_parse_start", ...call("p1", "a1", "ChatAdapter"), adapter: "ChatAdapter", completion: "…" }),
      frame({ type: "adapter_parse_end", ...call("p1", "a1", "ChatAdapter"), outputs: null, error: { type: "AdapterParseError", message: "no answer" }, duration_ms: 2 }),
      frame({ type: "tool_start", ...call("t1", "a1", "calculator"), tool: "calculator", args: { expression: "6 * 7" } }),
      frame({ type: "tool_end", ...call("t1", "a1", "calculator"), result: 42, error: null, duration_ms: 3 }),
      frame({ type: "module_end", ...call("a1", "b", "best.module"), outputs: { answer: "42" }, error: null, duration_ms: 800 }),
      frame({ type: "module_end", ...call("b", null, "best"), outputs: { answer: "42" }, error: null, duration_ms: 1200, rewards: [null, 1], kept: 2, threshold: 1 }),
      frame({ type: "run_end", status: "succeeded", outputs: { answer: "42" }, error: null, usage: {}, duration_ms: 1250 }),
    ];
    const tree = build(done);
    expect(tree.end?.status).toBe("succeeded");
    expect(lines(tree, false)).toEqual([
      "✓ best  BestOfN  kept 2 · rewards ✗, 1  1.2s",
      "└─ ✓ best.module  ChainOfThought  step 1/3  800ms",
      "   ├─ ✓ lm gpt-4o-mini  10→5 tok  700ms",
      "   │       ↻ attempt 1 failed (HTTP 429: RateLimitError: slow down), retrying in 500ms",
      "   │       answer: forty-two",
      "   ├─ ✗ parse ChatAdapter  2ms  ✗ AdapterParseError: no answer",
      '   └─ ✓ tool calculator(expression="6 * 7")  → 42  3ms',
    ]);
  });
});
