// DSPy's own callback sequences and prompts (golden, from DSPy 3.3.1) reproduced
// by Predict and ChainOfThought, through the real SDK and a wire-format fake.
import { describe, expect, it } from "vitest";
import type { Callback } from "../../src/dspy/callbacks";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import { context } from "../../src/dspy/context";
import { LM, type LMResult } from "../../src/dspy/lm";
import type { Module } from "../../src/dspy/module";
import { Predict } from "../../src/dspy/predict";
import { fakeOpenAIFetch } from "../../src/dspy/utils/fake-openai";
import golden from "../fixtures/dspy/golden.json";
import { ofType, recordEvents, shape, withDepth } from "../helpers/events";

/** What a model following ChatAdapter's format would answer. */
function chatAnswer(fields: Record<string, unknown>): string {
  const blocks = Object.entries(fields).map(([k, v]) => `[[ ## ${k} ## ]]\n${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `${blocks.join("\n\n")}\n\n[[ ## completed ## ]]`;
}

const programs: Record<string, () => Module> = {
  predict: () => new Predict("question -> answer"),
  cot: () => new ChainOfThought("question -> answer"),
};

describe.each(["predict", "cot"])("golden %s", (id) => {
  const sequence = golden.sequences.find((s) => s.id === id)!;
  const prompts = golden.prompts.find((p) => p.id === id)!;

  async function run() {
    const answers = sequence.lm_answers.map((a) => chatAnswer(a));
    const fetch = fakeOpenAIFetch(() => answers.shift()!, { chunkDelayMs: 0 });
    const lm = new LM("gpt-4o-mini", { apiKey: "sk-golden", baseURL: "https://llm.test/v1", fetch });
    const { events, recorder } = recordEvents();
    const result = await context({ lm, callbacks: [recorder] }, () => programs[id]().call(sequence.inputs));
    return { result, events, fetch };
  }

  it("emits DSPy's event tree", async () => {
    const { events } = await run();
    expect(shape(events)).toEqual(sequence.events.map(({ type, depth }) => ({ type, depth })));
    // Start events carry the class DSPy names (the LM is ours, not DummyLM).
    const starts = withDepth(events).filter((e) => e.type.endsWith("_start"));
    const goldenStarts = sequence.events.filter((e) => e.type.endsWith("_start"));
    starts.forEach((e, i) => {
      const cls = (goldenStarts[i] as { class?: string }).class;
      if (e.type === "module_start") expect(e.module).toBe(cls);
      if (e.type.startsWith("adapter_")) expect((e as { adapter: string }).adapter).toBe(cls);
      if (e.type === "lm_start") expect(e.model).toBe("gpt-4o-mini");
    });
    // Every end matches its start, and no error anywhere.
    for (const end of withDepth(events).filter((e) => e.type.endsWith("_end"))) {
      expect(starts.some((s) => s.call_id === end.call_id)).toBe(true);
      expect((end as { error: unknown }).error).toBeNull();
    }
  });

  it("sends DSPy's exact prompts", async () => {
    const { fetch } = await run();
    expect(fetch.requests.map((r) => r.body.messages)).toEqual(prompts.calls);
  });

  it("returns DSPy's outputs", async () => {
    const { result, events } = await run();
    expect(result.toJSON()).toEqual(sequence.outputs);
    const [root] = ofType(events, "module_end").slice(-1);
    expect(root.outputs).toEqual(sequence.outputs);
  });
});

describe("module names", () => {
  it("reads ChainOfThought.predict, or <name>.predict for a named root", async () => {
    const fetch = fakeOpenAIFetch(() => chatAnswer({ reasoning: "r", answer: "a" }));
    const lm = new LM("gpt-4o-mini", { apiKey: "k", fetch });
    const cot = new ChainOfThought("question -> answer");
    const { events, recorder } = recordEvents();
    await context({ lm, callbacks: [recorder] }, () => cot.call({ question: "q" }));
    cot.name = "answer";
    await context({ lm, callbacks: [recorder] }, () => cot.call({ question: "q" }));
    expect(ofType(events, "module_start").map((e) => e.name)).toEqual([
      "ChainOfThought",
      "ChainOfThought.predict",
      "answer",
      "answer.predict",
    ]);
  });
});

describe("README example", () => {
  it("runs a ChainOfThought program with a callback printing events", async () => {
    const printed: string[] = [];
    const log = (...parts: unknown[]) => printed.push(parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join(" "));
    const fetch = fakeOpenAIFetch(() => chatAnswer({ reasoning: "17 * 3 = 51.", answer: "51" }));
    // ---- as in the README (with `fetch` standing in for the network) ----
    const lm = new LM("gpt-4o-mini", { apiKey: "sk-test", temperature: 0, fetch });
    const printer: Callback = {
      onModuleStart: (_id, module, inputs) => log("module start", (module as Module).path, inputs),
      onLmDelta: (_id, delta) => log("token", delta),
      onLmEnd: (_id, result, error) => log("lm end", error ?? (result as LMResult).usage),
      onModuleEnd: (_id, outputs, error) => log("module end", error ?? outputs),
    };
    const qa = new ChainOfThought("question -> answer: int");
    qa.name = "qa";
    const prediction = await context({ lm, callbacks: [printer] }, () => qa.call({ question: "What is 17 * 3?" }));
    // ----
    expect(prediction.answer).toBe(51);
    expect(prediction.reasoning).toBe("17 * 3 = 51.");
    expect(printed[0]).toBe('module start qa {"question":"What is 17 * 3?"}');
    expect(printed[1]).toBe('module start qa.predict {"question":"What is 17 * 3?"}');
    expect(printed.filter((l) => l.startsWith("token ")).length).toBeGreaterThan(5);
    expect(printed.at(-1)).toBe('module end {"reasoning":"17 * 3 = 51.","answer":51}');
    expect(prediction.usage["gpt-4o-mini"].total_tokens).toBeGreaterThan(0);
  });
});
