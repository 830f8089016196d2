// Repeated calls are numbered in their start events (BestOfN/Refine attempts, ReAct iterations),
// and BestOfN/Refine say on their own end event what each attempt scored and which one they kept:
// a trace can label "attempt 2 of 3 · reward 1 · kept" from the events alone.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BestOfN } from "../../../src/dspy/best-of-n";
import { ChainOfThought } from "../../../src/dspy/chain-of-thought";
import { context } from "../../../src/dspy/context";
import { RunEvent } from "../../../src/dspy/events";
import { LM } from "../../../src/dspy/lm";
import { Module, type Inputs } from "../../../src/dspy/module";
import type { Prediction } from "../../../src/dspy/prediction";
import { ReAct } from "../../../src/dspy/react";
import { Refine } from "../../../src/dspy/refine";
import { Tool } from "../../../src/dspy/tool";
import { fakeOpenAIFetch, type FakeReply } from "../../../src/dspy/utils/fake-openai";
import { ofType, recordEvents } from "../../helpers/events";

function chatAnswer(fields: Record<string, unknown>): string {
  const blocks = Object.entries(fields).map(([k, v]) => `[[ ## ${k} ## ]]\n${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `${blocks.join("\n\n")}\n\n[[ ## completed ## ]]`;
}
const answer = (text: string) => chatAnswer({ reasoning: "Thinking.", answer: text });
const words = (_: unknown, pred: Prediction) => 1 / String(pred.get("answer")).split(" ").length;

function setup(replies: FakeReply[]) {
  const queue = [...replies];
  const fetch = fakeOpenAIFetch(() => queue.shift() ?? "(no more scripted answers)", { chunkDelayMs: 0 });
  const lm = new LM("gpt-4o-mini", { apiKey: "sk-test", baseURL: "https://llm.test/v1", fetch });
  const { events, recorder } = recordEvents();
  const run = (program: Module, inputs: Inputs = { question: "Capital of Belgium?" }) =>
    context({ lm, callbacks: [recorder] }, () => program.call(inputs));
  // Every draft is a valid event once stamped: the new fields are in the one schema.
  const valid = () => events.forEach((e, i) => RunEvent.parse({ ...e, run_id: "r", seq: i + 1, ts: 0 }));
  return { events, run, valid };
}

describe("attempts and steps in events", () => {
  it("BestOfN: attempt k of n on each attempt's start, rewards and the kept attempt on its end", async () => {
    // Attempt 2 fails in ChatAdapter, structured JSON and JSON mode (DSPy's JSONAdapter retries once).
    const { events, run, valid } = setup([answer("It is Brussels."), "not the format", "{}", "{}", answer("Brussels, Belgium")]);
    const best = new BestOfN(new ChainOfThought("question -> answer"), { n: 3, rewardFn: words, threshold: 1 });
    expect((await run(best)).get("answer")).toBe("Brussels, Belgium");
    valid();
    const starts = ofType(events, "module_start");
    // Only the attempts themselves are numbered, not the calls inside them.
    expect(starts.map((e) => [e.name, e.step ?? null, e.step_of ?? null])).toEqual([
      ["BestOfN", null, null],
      ["BestOfN.module", 1, 3],
      ["BestOfN.module.predict", null, null],
      ["BestOfN.module", 2, 3],
      ["BestOfN.module.predict", null, null],
      ["BestOfN.module", 3, 3],
      ["BestOfN.module.predict", null, null],
    ]);
    const ends = ofType(events, "module_end");
    const root = ends.at(-1)!;
    // Attempt 2 failed to parse (and its JSON fallback): no reward. Attempt 3 (2 words, 0.5) beats attempt 1 (3 words).
    expect(root.rewards).toEqual([1 / 3, null, 0.5]);
    expect(root.kept).toBe(3);
    expect(root.threshold).toBe(1);
    // The attempts' own end events carry none of it, nor does a module that returns the same result.
    for (const e of ends.slice(0, -1)) expect(e).not.toHaveProperty("rewards");
  });

  it("an enclosing module returning BestOfN's result does not claim its rewards", async () => {
    class Wrapper extends Module {
      readonly inner = new BestOfN(new ChainOfThought("question -> answer"), { n: 2, rewardFn: words, threshold: 1 });
      override forward(inputs: Inputs) {
        return this.inner.call(inputs);
      }
    }
    const { events, run } = setup([answer("Brussels")]);
    await run(new Wrapper());
    const ends = ofType(events, "module_end");
    expect(ends.map((e) => [e.name, e.kept ?? null])).toEqual([
      ["Wrapper.inner.module.predict", null],
      ["Wrapper.inner.module", null],
      ["Wrapper.inner", 1],
      ["Wrapper", null],
    ]);
    expect(ends[2].rewards).toEqual([1]);
  });

  it("Refine: the feedback after attempt k carries step k", async () => {
    const feedback = chatAnswer({ discussion: "Too long.", advice: { predict: "Answer with the city only." } });
    const { events, run, valid } = setup([answer("It is Brussels."), feedback, answer("Brussels")]);
    const refine = new Refine(new ChainOfThought("question -> answer"), { n: 3, rewardFn: words, threshold: 1 });
    await run(refine);
    valid();
    const steps = ofType(events, "module_start")
      .filter((e) => e.step !== undefined)
      .map((e) => `${e.name}:${e.step}/${e.step_of}`);
    expect(steps).toEqual(["Refine.module:1/3", "Refine.feedback:1/3", "Refine.module:2/3"]);
    const root = ofType(events, "module_end").at(-1)!;
    expect([root.rewards, root.kept]).toEqual([[1 / 3, 1], 2]);
  });

  it("ReAct: each iteration's react call and tool call carry step k of max_iters; extract none", async () => {
    const weather = new Tool(({ city }) => `Sunny in ${city}`, { name: "get_weather", desc: "Weather.", args: z.object({ city: z.string() }) });
    const { events, run, valid } = setup([
      chatAnswer({ next_thought: "Look it up.", next_tool_name: "get_weather", next_tool_args: { city: "Paris" } }),
      chatAnswer({ next_thought: "Done.", next_tool_name: "finish", next_tool_args: {} }),
      chatAnswer({ reasoning: "Sunny.", answer: "Sunny" }),
    ]);
    await run(new ReAct("question -> answer", { tools: [weather], maxIters: 5 }), { question: "Weather in Paris?" });
    valid();
    const numbered = events
      .filter((e) => e.type === "module_start" || e.type === "tool_start")
      .map((e) => `${e.type === "tool_start" ? e.tool : e.name}:${(e as { step?: number }).step ?? "-"}/${(e as { step_of?: number }).step_of ?? "-"}`);
    expect(numbered).toEqual([
      "ReAct:-/-",
      "ReAct.react:1/5",
      "get_weather:1/5",
      "ReAct.react:2/5",
      "finish:2/5",
      "ReAct.extract:-/-",
      "ReAct.extract.predict:-/-",
    ]);
  });
});
