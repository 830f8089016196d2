// ReAct reproduces DSPy's prompts and event tree (golden, from DSPy 3.3.1)
// through the real openai SDK against a wire-format fake, and DSPy's loop
// rules: tool errors become observations, an invalid tool ends the loop,
// max_iters bounds it.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { context } from "../../../src/dspy/context";
import { LM } from "../../../src/dspy/lm";
import { ReAct } from "../../../src/dspy/react";
import { Tool } from "../../../src/dspy/tool";
import { fakeOpenAIFetch } from "../../../src/dspy/utils/fake-openai";
import golden from "../../fixtures/dspy/golden.json";
import { ofType, recordEvents, shape, withDepth } from "../../helpers/events";

function chatAnswer(fields: Record<string, unknown>): string {
  const blocks = Object.entries(fields).map(([k, v]) => `[[ ## ${k} ## ]]\n${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `${blocks.join("\n\n")}\n\n[[ ## completed ## ]]`;
}

const getWeather = new Tool(({ city }) => `Sunny, 21C in ${city}`, {
  name: "get_weather",
  desc: "Get the current weather for a city.",
  args: z.object({ city: z.string() }),
});
const searchWiki = new Tool(({ query, limit }) => `${limit} passages about ${query}`, {
  name: "search_wiki",
  desc: "Search an encyclopedia and return short passages.",
  args: z.object({ query: z.string(), limit: z.number().int().default(3) }),
});

async function run(answers: Record<string, unknown>[], options: { maxIters?: number; tools?: Tool<any, any>[] } = {}) {
  const queue = answers.map((a) => ("json" in a ? JSON.stringify(a.json) : chatAnswer(a)));
  const fetch = fakeOpenAIFetch(() => queue.shift() ?? "(no more scripted answers)", { chunkDelayMs: 0 });
  const lm = new LM("gpt-4o-mini", { apiKey: "sk-test", baseURL: "https://llm.test/v1", fetch });
  const react = new ReAct("question -> answer", { tools: options.tools ?? [getWeather, searchWiki], maxIters: options.maxIters });
  const { events, recorder } = recordEvents();
  const result = await context({ lm, callbacks: [recorder] }, () => react.call({ question: "What's the weather in Paris?" }));
  return { result, events, prompts: fetch.requests.map((r) => r.body.messages) };
}

const userMessage = (messages: { role: string; content: string }[]) => messages.at(-1)!.content;

describe("ReAct against DSPy's golden run", () => {
  const sequence = golden.sequences.find((s) => s.id === "react")!;
  const prompts = golden.prompts.find((p) => p.id === "react")!;

  it("sends DSPy's exact prompts (two steps, then extract)", async () => {
    const { prompts: sent } = await run(sequence.lm_answers);
    expect(sent).toEqual(prompts.calls);
  });

  it("emits DSPy's event tree: react predicts, tool calls (finish too), extract", async () => {
    const { events } = await run(sequence.lm_answers);
    expect(shape(events)).toEqual(sequence.events.map(({ type, depth }) => ({ type, depth })));
    const starts = withDepth(events).filter((e) => e.type.endsWith("_start"));
    const goldenStarts = sequence.events.filter((e) => e.type.endsWith("_start"));
    starts.forEach((e, i) => {
      const g = goldenStarts[i] as { class?: string; name?: string | null };
      if (e.type === "module_start") expect(e.module).toBe(g.class);
      if (e.type === "tool_start") expect(e.tool).toBe(g.name);
    });
    expect(ofType(events, "module_start").map((e) => e.name)).toEqual([
      "ReAct",
      "ReAct.react",
      "ReAct.react",
      "ReAct.extract",
      "ReAct.extract.predict",
    ]);
    expect(ofType(events, "tool_start").map((e) => e.args)).toEqual([{ city: "Paris" }, {}]);
    expect(ofType(events, "tool_end").map((e) => e.result)).toEqual(["Sunny, 21C in Paris", "Completed."]);
    for (const end of withDepth(events).filter((e) => e.type.endsWith("_end"))) expect((end as { error: unknown }).error).toBeNull();
  });

  it("returns the extracted outputs with the trajectory", async () => {
    const { result } = await run(sequence.lm_answers);
    expect(result.toJSON()).toEqual({
      trajectory: {
        thought_0: "I should check the weather.",
        tool_name_0: "get_weather",
        tool_args_0: { city: "Paris" },
        observation_0: "Sunny, 21C in Paris",
        thought_1: "I have it.",
        tool_name_1: "finish",
        tool_args_1: {},
        observation_1: "Completed.",
      },
      ...sequence.outputs,
    });
  });
});

describe("ReAct loop rules", () => {
  const finish = { next_thought: "Done.", next_tool_name: "finish", next_tool_args: {} };
  const extract = { reasoning: "r", answer: "a" };

  it("turns bad tool args into an observation and keeps going", async () => {
    const { result, prompts, events } = await run([
      { next_thought: "t", next_tool_name: "search_wiki", next_tool_args: { topic: "Paris" } },
      { next_thought: "t", next_tool_name: "search_wiki", next_tool_args: { query: "Paris", limit: "2" } },
      finish,
      extract,
    ]);
    const trajectory = result.get("trajectory") as Record<string, unknown>;
    expect(trajectory.observation_0).toBe("Execution error in search_wiki: \nValueError: Arg topic is not in the tool's args.");
    expect(trajectory.observation_1).toBe(
      "Execution error in search_wiki: \nValueError: Arg limit is invalid: '2' is not of type 'integer'",
    );
    expect(userMessage(prompts[1])).toContain(
      "[[ ## observation_0 ## ]]\nExecution error in search_wiki: \nValueError: Arg topic is not in the tool's args.\n\n",
    );
    expect(ofType(events, "tool_end").map((e) => e.error?.message ?? null)).toEqual([
      "Arg topic is not in the tool's args.",
      "Arg limit is invalid: '2' is not of type 'integer'",
      null,
    ]);
    expect(prompts).toHaveLength(4);
  });

  it("reports a tool's own exception as an observation", async () => {
    const flaky = new Tool(
      async () => {
        throw new RangeError("weather service unavailable");
      },
      { name: "get_weather", desc: "Weather.", args: z.object({ city: z.string() }) },
    );
    const { result } = await run(
      [{ next_thought: "t", next_tool_name: "get_weather", next_tool_args: { city: "Paris" } }, finish, extract],
      { tools: [flaky] },
    );
    expect((result.get("trajectory") as Record<string, unknown>).observation_0).toBe(
      "Execution error in get_weather: \nRangeError: weather service unavailable",
    );
  });

  it("ends the loop on an invalid tool name (after the JSON fallback) and extracts", async () => {
    const invalid = { next_thought: "t", next_tool_name: "fly_to_the_moon", next_tool_args: {} };
    // The fallback request asks for JSON; the model insists on the same tool.
    const { result, prompts, events } = await run([invalid, { json: invalid }, extract]);
    // ChatAdapter, then its JSONAdapter fallback, both unreadable; then extract over an empty trajectory.
    expect(prompts).toHaveLength(3);
    expect(userMessage(prompts[2])).toContain("[[ ## trajectory ## ]]\n\n\nRespond with");
    expect(ofType(events, "tool_start")).toHaveLength(0);
    // The JSON fallback's Literal check raised (a ValueError, as in DSPy): that is what ends the loop.
    const reactEnd = ofType(events, "module_end").find((e) => e.name === "ReAct.react")!;
    expect(reactEnd.error?.type).toBe("ValueConversionError");
    expect(reactEnd.error?.message).toContain("fly_to_the_moon");
    expect(ofType(events, "adapter_format_start").map((e) => e.adapter)).toEqual(["ChatAdapter", "JSONAdapter", "ChatAdapter"]);
    expect(result.toJSON()).toEqual({ trajectory: {}, ...extract });
  });

  it("stops after max_iters tool calls and extracts", async () => {
    const step = { next_thought: "again", next_tool_name: "get_weather", next_tool_args: { city: "Paris" } };
    const { result, prompts, events } = await run([step, step, extract], { maxIters: 2 });
    expect(prompts).toHaveLength(3);
    expect(Object.keys(result.get("trajectory") as object)).toEqual([
      "thought_0", "tool_name_0", "tool_args_0", "observation_0",
      "thought_1", "tool_name_1", "tool_args_1", "observation_1",
    ]);
    expect(ofType(events, "tool_start").map((e) => e.tool)).toEqual(["get_weather", "get_weather"]);
    expect(result.get("answer")).toBe("a");
  });
});
