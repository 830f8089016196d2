// streamify: DSPy's streaming API over per-field deltas — field chunks
// ({predictName, field, chunk, isLastChunk}), status messages for tools (and
// whatever a StatusMessageProvider adds), then the Prediction.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import { context } from "../../src/dspy/context";
import { LM } from "../../src/dspy/lm";
import { type Inputs, Module } from "../../src/dspy/module";
import { Predict } from "../../src/dspy/predict";
import { Prediction } from "../../src/dspy/prediction";
import { ReAct } from "../../src/dspy/react";
import { StatusMessage, StatusMessageProvider, StreamResponse } from "../../src/dspy/streaming/messages";
import { StreamListener, streamify } from "../../src/dspy/streaming/streamify";
import { Tool } from "../../src/dspy/tool";
import { fakeOpenAIFetch } from "../../src/dspy/utils/fake-openai";

function chat(fields: Record<string, unknown>): string {
  const blocks = Object.entries(fields).map(([k, v]) => `[[ ## ${k} ## ]]\n${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `${blocks.join("\n\n")}\n\n[[ ## completed ## ]]`;
}

/** An LM answering from a queue through the real openai SDK; the fake server streams word-sized tokens. */
function scripted(answers: string[]) {
  const queue = [...answers];
  const fetch = fakeOpenAIFetch(() => queue.shift() ?? "(no more answers)");
  return new LM("gpt-4o-mini", { apiKey: "k", baseURL: "https://x.test/v1", fetch });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const chunksOf = (items: unknown[]) => items.filter((i): i is StreamResponse => i instanceof StreamResponse);
const joined = (items: unknown[], field: string) =>
  chunksOf(items)
    .filter((c) => c.field === field)
    .map((c) => c.chunk)
    .join("");

describe("streamify", () => {
  it("without listeners streams every output field in order, one last chunk each, then the Prediction", async () => {
    const lm = scripted([chat({ reasoning: "Eight plus one is nine.", answer: "9" })]);
    const cot = new ChainOfThought("question -> answer");
    const items = await context({ lm }, () => collect(streamify(cot)({ question: "8+1?" })));
    const chunks = chunksOf(items);
    expect(chunks.length).toBeGreaterThan(3);
    expect(new Set(chunks.map((c) => c.predictName))).toEqual(new Set(["predict"]));
    expect(joined(items, "reasoning")).toBe("Eight plus one is nine.");
    expect(joined(items, "answer")).toBe("9");
    expect(chunks.filter((c) => c.isLastChunk).map((c) => c.field)).toEqual(["reasoning", "answer"]);
    expect(chunks.at(-1)!.isLastChunk).toBe(true);
    const last = items.at(-1);
    expect(last).toBeInstanceOf(Prediction);
    expect((last as Prediction).outputs).toEqual({ reasoning: "Eight plus one is nine.", answer: "9" });
  });

  it("listeners pick one field of the one predictor that has it; names follow named_predictors()", async () => {
    class TwoStep extends Module {
      draft = new ChainOfThought("question -> outline");
      write = new Predict("outline -> essay");
      override async forward(inputs: Inputs) {
        const { outline } = await this.draft.call(inputs);
        return this.write.call({ outline });
      }
    }
    const lm = scripted([chat({ reasoning: "Plan it.", outline: "1. intro" }), chat({ essay: "An intro, written out." })]);
    const program = new TwoStep();
    const stream = streamify(program, {
      streamListeners: [new StreamListener("essay"), new StreamListener("outline")],
      includeFinalPredictionInOutputStream: false,
    });
    const items = await context({ lm }, () => collect(stream({ question: "q" })));
    expect(chunksOf(items).map((c) => [c.predictName, c.field]).filter((v, i, a) => i === 0 || v.join() !== a[i - 1].join())).toEqual([
      ["draft.predict", "outline"],
      ["write", "essay"],
    ]);
    expect(joined(items, "essay")).toBe("An intro, written out.");
    // Listeners streamed something and the final Prediction was not asked for.
    expect(items.some((i) => i instanceof Prediction)).toBe(false);

    expect(() => streamify(program, { streamListeners: [new StreamListener("nope")] })).toThrow(
      "Signature field nope is not a field of any predictor in the program",
    );
    class Twice extends Module {
      a = new Predict("q -> answer");
      b = new Predict("q -> answer");
      override forward(inputs: Inputs) {
        return this.a.call(inputs);
      }
    }
    expect(() => streamify(new Twice(), { streamListeners: [new StreamListener("answer")] })).toThrow(
      "Signature field answer is not unique in the program",
    );
  });

  it("ReAct: tool status messages (not for finish), and a listener streams once unless allowReuse", async () => {
    const weather = new Tool(({ city }) => `Sunny in ${city}`, {
      name: "get_weather",
      desc: "Weather for a city.",
      args: z.object({ city: z.string() }),
    });
    const steps = [
      chat({ next_thought: "Check the weather.", next_tool_name: "get_weather", next_tool_args: { city: "Paris" } }),
      chat({ next_thought: "Done now.", next_tool_name: "finish", next_tool_args: {} }),
      chat({ reasoning: "It is sunny.", answer: "Sunny" }),
    ];
    for (const allowReuse of [false, true]) {
      const react = new ReAct("question -> answer", { tools: [weather] });
      const stream = streamify(react, {
        streamListeners: [new StreamListener("next_thought", { allowReuse }), new StreamListener("answer")],
      });
      const items = await context({ lm: scripted(steps) }, () => collect(stream({ question: "Weather in Paris?" })));
      const statuses = items.filter((i): i is StatusMessage => i instanceof StatusMessage).map((s) => s.message);
      expect(statuses).toEqual(["Calling tool get_weather...", "Tool calling finished! Querying the LLM with tool calling results..."]);
      expect(joined(items, "next_thought")).toBe(allowReuse ? "Check the weather.Done now." : "Check the weather.");
      expect(joined(items, "answer")).toBe("Sunny");
      // The status of the tool call comes between the first and the second step's thought.
      const order = items.map((i) => (i instanceof StatusMessage ? "status" : i instanceof StreamResponse ? i.field : "prediction"));
      expect(order.indexOf("status")).toBeGreaterThan(order.indexOf("next_thought"));
      expect(order.at(-1)).toBe("prediction");
    }
  });

  it("runs with the settings in force where it is called, even when consumed elsewhere", async () => {
    const lm = scripted([chat({ answer: "4" })]);
    const stream = context({ lm }, () => streamify(new Predict("q -> answer"))({ q: "2+2" }));
    const items = await collect(stream); // consumed outside the context that holds the LM
    expect((items.at(-1) as Prediction).outputs).toEqual({ answer: "4" });
  });

  it("a StatusMessageProvider adds module and LM messages", async () => {
    class Chatty extends StatusMessageProvider {
      override moduleStartStatusMessage(instance: unknown) {
        return `Running ${(instance as Module).path}...`;
      }
      override lmEndStatusMessage() {
        return "LM done.";
      }
    }
    const lm = scripted([chat({ answer: "4" })]);
    const items = await context({ lm }, () =>
      collect(streamify(new Predict("q -> answer"), { statusMessageProvider: new Chatty() })({ q: "2+2" })),
    );
    const kinds = items.map((i) => (i instanceof StatusMessage ? i.message : i instanceof StreamResponse ? `chunk:${i.chunk}` : "prediction"));
    expect(kinds).toEqual(["Running Predict...", "chunk:4", "LM done.", "prediction"]);
  });

  it("a failing program throws from the iterator after what streamed; breaking out aborts the run", async () => {
    const failing = scripted(["no markers", "not json either"]);
    const items: unknown[] = [];
    await expect(
      context({ lm: failing }, async () => {
        for await (const item of streamify(new Predict("q -> answer"))({ q: "?" })) items.push(item);
      }),
    ).rejects.toThrow("Adapter JSONAdapter failed to parse the LM response.");

    let seen = 0;
    const slow = new LM("gpt-4o-mini", {
      apiKey: "k",
      baseURL: "https://x.test/v1",
      fetch: fakeOpenAIFetch(() => chat({ answer: "a b c d e f g h i j k l m n o p" }), { chunkDelayMs: 5 }),
    });
    const ended: unknown[] = [];
    const watcher = { onModuleEnd: (_id: string, _out: unknown, error: unknown) => ended.push(error) };
    await context({ lm: slow, callbacks: [watcher] }, async () => {
      for await (const item of streamify(new Predict("q -> answer"))({ q: "?" })) {
        if (item instanceof StreamResponse && ++seen === 2) break;
      }
    });
    // The run ended (aborted) before the loop returned control.
    expect(ended).toHaveLength(1);
    expect(ended[0]).toBeInstanceOf(Error);
  });
});
