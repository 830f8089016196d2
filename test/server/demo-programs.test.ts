// The example programs through the offline demo LM (no key configured): every
// program answers with schema-valid outputs; ReAct is driven through its tools
// to finish; ProgramOfThought's code runs in the sandbox.
import { describe, expect, it } from "vitest";
import { ChatAdapter } from "../../src/dspy/adapters/chat";
import { JSONAdapter } from "../../src/dspy/adapters/json";
import type { RunEvent } from "../../src/dspy/events";
import { Signature } from "../../src/dspy/signature";
import { demoResponder } from "../../src/programs/demo/responder";
import { getProgram, listPrograms } from "../../src/programs/registry";
import { fetchWithEnv, parseSse } from "./helpers";

const fast = { DEMO_LM_DELAY_MS: "0" };

async function stream(program: string, inputs: Record<string, unknown>) {
  const res = await fetchWithEnv(fast, `/${program}/stream`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(inputs) });
  expect(res.status).toBe(200);
  return parseSse(await res.text()).events;
}

function outputs(events: RunEvent[]): Record<string, unknown> {
  const end = events.at(-1)!;
  if (end.type !== "run_end") throw new Error(`last event is ${end.type}`);
  expect(end.error).toBeNull();
  expect(end.status).toBe("succeeded");
  return end.outputs!;
}

const SAMPLE: Record<string, Record<string, unknown>> = {
  qa: { question: "What is the capital of France?" },
  reason: { question: "What is 17 * 23?" },
  classify: { text: "I love this product, it is great" },
  agent: { question: "What is 12 * 7 + 3?" },
  math: { question: "What is 2^10 + 5?" },
  stats: { numbers: [1, 2, 3, 4], statistic: "sum", scale: 0.5 },
  best: { question: "How tall is Mount Everest?" },
  compare: { question: "What is 6 * 7?" },
  optimized: { question: "How many legs does a spider have?" },
  research: { question: "Which is taller, the Eiffel Tower or Mount Everest?" },
};

describe("example programs on the demo LM", () => {
  it("has every module kind, labelled demo", async () => {
    const res = await fetchWithEnv(fast, "/api/programs");
    const { programs } = (await res.json()) as { programs: { name: string; module: string; model: string; demo: boolean; streaming: boolean }[] };
    expect(programs.map((p) => p.module)).toEqual(
      expect.arrayContaining(["Predict", "ChainOfThought", "ReAct", "ProgramOfThought", "BestOfN", "MultiChainComparison"]),
    );
    for (const p of programs.filter((p) => Object.keys(SAMPLE).includes(p.name))) {
      expect(p.model).toContain("demo");
      expect(p.demo).toBe(true);
      expect(p.streaming).toBe(p.module !== "Predict");
    }
  });

  for (const [name, inputs] of Object.entries(SAMPLE)) {
    it(`${name}: succeeds with outputs valid for its signature`, async () => {
      const events = await stream(name, inputs);
      const out = outputs(events);
      const program = getProgram(name)!;
      const schema = program.signature.outputsSchema();
      expect(schema.safeParse(out).success, JSON.stringify(out)).toBe(true);
      const lm = events.find((e) => e.type === "lm_start");
      expect(lm && lm.type === "lm_start" && lm.model).toMatch(/demo/);
    });
  }

  it("reason computes arithmetic", async () => {
    expect(outputs(await stream("reason", { question: "What is 17 * 23?" })).answer).toBe("391");
  });

  it("classify picks the Literal that fits and a float confidence", async () => {
    const out = outputs(await stream("classify", { text: "This is terrible, I want a refund" }));
    expect(out.sentiment).toBe("negative");
    expect(typeof out.confidence).toBe("number");
  });

  it("agent calls the calculator with valid args, then finish, then extracts", async () => {
    const events = await stream("agent", { question: "What is 12 * 7 + 3?" });
    const tools = events.filter((e) => e.type === "tool_start");
    expect(tools.map((t) => t.type === "tool_start" && t.tool)).toEqual(["calculator", "finish"]);
    expect(tools[0]).toMatchObject({ args: { expression: "12 * 7 + 3" } });
    expect(events.find((e) => e.type === "tool_end")).toMatchObject({ result: 87, error: null });
    expect(String(outputs(events).answer)).toContain("87");
  });

  it("agent converts units and looks things up", async () => {
    const conv = await stream("agent", { question: "Convert 10 km to miles" });
    expect(conv.find((e) => e.type === "tool_start")).toMatchObject({ tool: "convert_units", args: { value: 10, from_unit: "km", to_unit: "miles" } });
    expect(String(outputs(conv).answer)).toContain("6.2137");
    const look = await stream("agent", { question: "How tall is Mount Everest?" });
    expect(look.find((e) => e.type === "tool_start")).toMatchObject({ tool: "search_encyclopedia" });
    expect(String(outputs(look).answer)).toContain("8,849");
  });

  it("math writes JavaScript that runs in the sandbox and SUBMITs the answer", async () => {
    const events = await stream("math", { question: "What is 2^10 + 5?" });
    const run = events.find((e) => e.type === "tool_end" && e.name === "code_interpreter");
    expect(run).toMatchObject({ error: null });
    expect(outputs(events).answer).toBe(1029);
  });

  it("answers any signature in both adapters' formats with values of the right types", () => {
    const sig = new Signature(
      "document: str, n: int -> summary: str, keywords: list[str], count: int, ratio: float, ok: bool, label: Literal['spam', 'ham'], extra: dict[str, int], maybe: Optional[str]",
    );
    const inputs = { document: "Cats are small carnivorous mammals. They purr.", n: 3 };
    for (const adapter of [new ChatAdapter(), new JSONAdapter()]) {
      const messages = adapter.format(sig, [], inputs);
      const text = demoResponder({ url: "x", headers: {}, body: { model: "demo", messages } });
      const parsed = adapter.parse(sig, text as string);
      expect(sig.outputsSchema().safeParse(parsed).success, JSON.stringify(parsed)).toBe(true);
      expect(Array.isArray(parsed.keywords)).toBe(true);
      expect(["spam", "ham"]).toContain(parsed.label);
    }
  });

  it("research fans out: the sub-questions run concurrently under the program's call, then one combine", async () => {
    const events = await stream("research", SAMPLE.research);
    const starts = events.filter((e): e is Extract<RunEvent, { type: "module_start" }> => e.type === "module_start");
    const root = starts[0];
    expect([root.name, root.module]).toEqual(["research", "Research"]);
    const branches = starts.filter((s) => s.name === "research.research");
    expect(branches.map((b) => b.inputs)).toEqual([
      { sub_question: "What is the height of Eiffel Tower?" },
      { sub_question: "What is the height of Mount Everest?" },
    ]);
    // Both branches hang off the root call (not off each other), and they overlap in time: the second
    // started before the first ended.
    expect(branches.every((b) => b.parent_id === root.call_id)).toBe(true);
    const firstEnd = events.findIndex((e) => e.type === "module_end" && e.call_id === branches[0].call_id);
    expect(events.indexOf(branches[1])).toBeLessThan(firstEnd);
    const out = outputs(events);
    // Over the wire each delta names its output field: the combine call's `answer` deltas spell the answer,
    // and every branch's `finding` deltas spell that branch's finding.
    const deltas = events.filter((e): e is Extract<RunEvent, { type: "lm_delta" }> => e.type === "lm_delta");
    const lmStarts = events.filter((e): e is Extract<RunEvent, { type: "lm_start" }> => e.type === "lm_start");
    const lastLm = lmStarts.at(-1)!;
    const spelled = (callId: string, field: string) =>
      deltas.filter((d) => d.call_id === callId && d.field === field).map((d) => d.delta).join("");
    expect(spelled(lastLm.call_id, "answer")).toBe(out.answer);
    const branchEnds = events.filter(
      (e): e is Extract<RunEvent, { type: "module_end" }> => e.type === "module_end" && e.name === "research.research.predict",
    );
    const branchLms = lmStarts.filter((e) => branchEnds.some((b) => b.call_id === e.parent_id));
    expect(branchLms).toHaveLength(2);
    for (const lm of branchLms) {
      const end = branchEnds.find((b) => b.call_id === lm.parent_id)!;
      expect(spelled(lm.call_id, "finding")).toBe(end.outputs!.finding);
    }
    expect(out.answer).toMatch(/^Mount Everest .*8,849 m.* Of the 2 findings, this one has the largest figure\.$/);
  });

  it("research compares what its branches found", async () => {
    const out = outputs(await stream("research", { question: "Which has more people, Paris or France?" }));
    expect(out.answer).toMatch(/^France: Population about 68 million\. Of the 2 findings, this one has the largest figure\.$/);
  });

  it("every registered example has a sample here", () => {
    expect(listPrograms().filter((p) => !p.name.startsWith("t")).map((p) => p.name).sort()).toEqual(Object.keys(SAMPLE).sort());
  });
});
