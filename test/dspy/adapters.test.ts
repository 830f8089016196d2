// Adapter behaviour beyond the exact text: the format → LM → parse pipeline
// and its events, the JSONAdapter fallback, response_format, and the errors a
// user sees.
import { describe, expect, it } from "vitest";
import { ChatAdapter } from "../../src/dspy/adapters/chat";
import { JSONAdapter, responseFormat, structuredOutputSchema } from "../../src/dspy/adapters/json";
import type { AdapterLM } from "../../src/dspy/adapters/base";
import type { Callback } from "../../src/dspy/callbacks";
import { context } from "../../src/dspy/context";
import { AdapterParseError, LMError, ValueError } from "../../src/dspy/errors";
import type { Message } from "../../src/dspy/events";
import { LM } from "../../src/dspy/lm";
import { Signature } from "../../src/dspy/signature";
import { fakeOpenAIFetch } from "../../src/dspy/utils/fake-openai";

/** Records hook calls as "start:adapter_format:ChatAdapter" / "end:adapter_parse:error" lines. */
function recorder() {
  const log: string[] = [];
  const name = (instance: unknown) => (instance as { name?: string; model?: string }).name ?? (instance as { model?: string }).model;
  const start = (kind: string) => (_id: string, instance: unknown) => void log.push(`start:${kind}:${name(instance)}`);
  const end = (kind: string) => (_id: string, _out: unknown, error: unknown) =>
    void log.push(`end:${kind}${error ? `:${(error as Error).name}` : ""}`);
  const cb: Callback = {
    onAdapterFormatStart: start("format"),
    onAdapterFormatEnd: end("format"),
    onAdapterParseStart: start("parse"),
    onAdapterParseEnd: end("parse"),
    onLmStart: start("lm"),
    onLmEnd: end("lm"),
  };
  return { cb, log };
}

/** The LM shape an adapter needs, answering from a script; records what it was sent. */
function scriptedLM(answers: (string | Error)[][], supportsResponseSchema = true) {
  const calls: { messages: Message[]; kwargs: Record<string, unknown> }[] = [];
  const lm: AdapterLM = {
    model: "scripted",
    kwargs: {},
    supportsResponseSchema,
    async call(messages, kwargs = {}) {
      calls.push({ messages, kwargs });
      const texts = answers[calls.length - 1] ?? [];
      const error = texts.find((t) => t instanceof Error);
      if (error) throw error;
      return { texts: texts as string[], usage: null, cached: false };
    },
  };
  return { lm, calls };
}

const qa = new Signature("question -> answer: int");

describe("Adapter.call", () => {
  it("formats, calls the LM with the kwargs, and parses every choice once", async () => {
    const { lm, calls } = scriptedLM([["[[ ## answer ## ]]\n4", "[[ ## answer ## ]]\n5"]]);
    const { cb, log } = recorder();
    const kwargs = { temperature: 0.7, n: 2, tools: [{ x: 1 }] };
    const outputs = await context({ callbacks: [cb] }, () => new ChatAdapter().call(lm, kwargs, qa, [], { question: "2+2?" }));
    expect(outputs).toEqual([{ answer: 4 }, { answer: 5 }]);
    expect(calls[0].messages).toEqual(new ChatAdapter().format(qa, [], { question: "2+2?" }));
    // ChatAdapter drops native tool-calling parameters, and never touches the caller's object.
    expect(calls[0].kwargs).toEqual({ temperature: 0.7, n: 2 });
    expect(kwargs.tools).toEqual([{ x: 1 }]);
    expect(log).toEqual([
      "start:format:ChatAdapter",
      "end:format",
      "start:parse:ChatAdapter",
      "end:parse",
      "start:parse:ChatAdapter",
      "end:parse",
    ]);
  });

  it("falls back once to JSONAdapter (with response_format) when ChatAdapter cannot parse", async () => {
    const { lm, calls } = scriptedLM([["The answer is four."], ['```json\n{"answer": 4}\n```']]);
    const { cb, log } = recorder();
    const outputs = await context({ callbacks: [cb] }, () => new ChatAdapter().call(lm, {}, qa, [], { question: "2+2?" }));
    expect(outputs).toEqual([{ answer: 4 }]);
    expect(calls).toHaveLength(2);
    expect(calls[0].kwargs.response_format).toBeUndefined();
    expect(calls[1].messages).toEqual(new JSONAdapter().format(qa, [], { question: "2+2?" }));
    expect(calls[1].kwargs.response_format).toEqual(responseFormat(lm, qa));
    expect(log).toEqual([
      "start:format:ChatAdapter",
      "end:format",
      "start:parse:ChatAdapter",
      "end:parse:AdapterParseError",
      "start:format:JSONAdapter",
      "end:format",
      "start:parse:JSONAdapter",
      "end:parse",
    ]);
  });

  it("does not fall back on LM errors, and JSONAdapter's own failure is final", async () => {
    const lmError = new LMError("rate limited", "scripted", 429);
    const failing = scriptedLM([[lmError]]);
    await expect(new ChatAdapter().call(failing.lm, {}, qa, [], { question: "q" })).rejects.toBe(lmError);
    expect(failing.calls).toHaveLength(1);

    // A model without JSON-schema support: ChatAdapter, then one JSONAdapter call, and that failure is final.
    const twice = scriptedLM([["nonsense"], ["still nonsense"], ["never asked"]], false);
    await expect(new ChatAdapter().call(twice.lm, {}, qa, [], { question: "q" })).rejects.toThrow(
      "Adapter JSONAdapter failed to parse the LM response.",
    );
    expect(twice.calls).toHaveLength(2);
    expect(twice.calls[1].kwargs.response_format).toBeUndefined();

    // With JSON-schema support, DSPy's JSONAdapter retries a failed structured-output call once in JSON mode.
    const thrice = scriptedLM([["nonsense"], ["still nonsense"], ["nonsense in JSON mode"], ["never asked"]]);
    await expect(new ChatAdapter().call(thrice.lm, {}, qa, [], { question: "q" })).rejects.toThrow(
      "LM Response: nonsense in JSON mode",
    );
    expect(thrice.calls.map((c) => (c.kwargs.response_format as { type?: string } | undefined)?.type)).toEqual([
      undefined,
      "json_schema",
      "json_object",
    ]);

    const noFallback = scriptedLM([["nonsense"], ["never asked"]]);
    await expect(
      new ChatAdapter({ useJsonAdapterFallback: false }).call(noFallback.lm, {}, qa, [], { question: "q" }),
    ).rejects.toThrow("Adapter ChatAdapter failed to parse");
    expect(noFallback.calls).toHaveLength(1);
  });

  it("an empty completion fails before parsing (no parse event)", async () => {
    const { lm } = scriptedLM([[""], [""], [""]]);
    const { cb, log } = recorder();
    const error = await context({ callbacks: [cb] }, () => new ChatAdapter().call(lm, {}, qa, [], { question: "q" })).catch((e) => e);
    expect(error).toBeInstanceOf(AdapterParseError);
    expect(error.message).toContain("The LM returned an empty or null response.");
    expect(log.filter((l) => l.includes("parse"))).toEqual([]);
    // ChatAdapter, JSONAdapter (structured output), JSONAdapter again in JSON mode.
    expect(log).toEqual([
      "start:format:ChatAdapter", "end:format", "start:format:JSONAdapter", "end:format", "start:format:JSONAdapter", "end:format",
    ]);
  });

  it("instance callbacks run after the context's", async () => {
    const order: string[] = [];
    const adapter = new ChatAdapter({ callbacks: [{ onAdapterFormatStart: () => void order.push("instance") }] });
    await context({ callbacks: [{ onAdapterFormatStart: () => void order.push("context") }] }, async () =>
      adapter.format(qa, [], { question: "q" }),
    );
    expect(order).toEqual(["context", "instance"]);
    expect(adapter.name).toBe("ChatAdapter");
    expect(new JSONAdapter().name).toBe("JSONAdapter");
  });

  it("passes DSPy's inputs to format and parse hooks", () => {
    const seen: unknown[] = [];
    const cb: Callback = {
      onAdapterFormatStart: (_id, _instance, inputs) => void seen.push(Object.keys(inputs)),
      onAdapterParseStart: (_id, _instance, inputs) => void seen.push(Object.keys(inputs)),
      onAdapterParseEnd: (_id, outputs) => void seen.push(outputs),
    };
    context({ callbacks: [cb] }, () => {
      const adapter = new ChatAdapter();
      adapter.format(qa, [], { question: "q" });
      adapter.parse(qa, "[[ ## answer ## ]]\n3");
    });
    expect(seen).toEqual([["signature", "demos", "inputs"], ["signature", "completion"], { answer: 3 }]);
  });
});

describe("through the real LM and openai SDK", () => {
  it("the fallback's second request carries a strict json_schema response_format", async () => {
    const fetch = fakeOpenAIFetch((request) =>
      request.body.response_format ? '{"reasoning": "2 and 2", "answer": "4"}' : "I think it is 4.",
    );
    const lm = new LM("gpt-4o-mini", { baseURL: "https://llm.test/v1", apiKey: "sk-test", fetch, supportsResponseSchema: true });
    const cot = qa.prepend("reasoning", { kind: "output", desc: "${reasoning}" });
    const outputs = await new ChatAdapter().call(lm, {}, cot, [], { question: "2+2?" });
    expect(outputs).toEqual([{ reasoning: "2 and 2", answer: 4 }]);
    expect(fetch.requests).toHaveLength(2);
    expect(fetch.requests[0].body.response_format).toBeUndefined();
    expect(fetch.requests[1].body.response_format).toEqual({
      type: "json_schema",
      json_schema: {
        schema: {
          additionalProperties: false,
          properties: { reasoning: { title: "Reasoning", type: "string" }, answer: { title: "Answer", type: "integer" } },
          required: ["reasoning", "answer"],
          title: "DSPyProgramOutputs",
          type: "object",
        },
        name: "DSPyProgramOutputs",
        strict: true,
      },
    });
  });
});

describe("JSONAdapter response_format", () => {
  const lmWith = (supportsResponseSchema: boolean) => scriptedLM([], supportsResponseSchema).lm;

  it("asks for json_object when an output is an open dict, and for nothing when unsupported", () => {
    expect(responseFormat(lmWith(true), new Signature("q -> args: dict[str, Any]"))).toEqual({ type: "json_object" });
    expect(responseFormat(lmWith(false), qa)).toBeUndefined();
  });

  it("describes typed outputs the way pydantic does", () => {
    const sig = new Signature("q -> next_tool_name: Literal['a', 'b'], items: list[Optional[int]], maybe: Optional[str], score: float");
    expect(structuredOutputSchema(sig)).toEqual({
      additionalProperties: false,
      properties: {
        next_tool_name: { enum: ["a", "b"], title: "Next Tool Name", type: "string" },
        items: { items: { anyOf: [{ type: "integer" }, { type: "null" }] }, title: "Items", type: "array" },
        maybe: { anyOf: [{ type: "string" }, { type: "null" }], title: "Maybe" },
        score: { title: "Score", type: "number" },
      },
      required: ["next_tool_name", "items", "maybe", "score"],
      title: "DSPyProgramOutputs",
      type: "object",
    });
  });
});

describe("parse errors name the field", () => {
  it("missing output field", () => {
    const sig = new Signature("question -> reasoning, answer");
    const error = (() => {
      try {
        new ChatAdapter().parse(sig, "[[ ## reasoning ## ]]\nthinking\n\n[[ ## completed ## ]]");
      } catch (e) {
        return e as AdapterParseError;
      }
    })();
    expect(error).toBeInstanceOf(AdapterParseError);
    expect(error!.field).toBe("answer");
    // DSPy's AdapterParseError text exactly (dspy/utils/exceptions.py), trailing spaces included.
    expect(error!.message).toBe(
      "Adapter ChatAdapter failed to parse the LM response. \n\n" +
        "LM Response: [[ ## reasoning ## ]]\nthinking\n\n[[ ## completed ## ]] \n\n" +
        "Expected to find output fields in the LM response: [reasoning, answer] \n\n" +
        "Actual output fields parsed from the LM response: [reasoning] \n\n",
    );
  });

  it("unconvertible value", () => {
    const error = (() => {
      try {
        new ChatAdapter().parse(qa, "[[ ## answer ## ]]\nfour");
      } catch (e) {
        return e as AdapterParseError;
      }
    })();
    expect(error!.field).toBe("answer");
    expect(error!.message).toContain("Failed to parse field answer with value four from the LM response.");
    expect(error!.message).toContain("Input should be a valid integer, unable to parse string as an integer");
  });

  it("JSONAdapter: not an object, and a bad value", () => {
    expect(() => new JSONAdapter().parse(qa, "no json here")).toThrow("LM response cannot be serialized to a JSON object.");
    // As DSPy's JSONAdapter: the conversion error itself (a ValueError), not an AdapterParseError.
    const bad = () => new JSONAdapter().parse(qa, '{"answer": "many"}');
    expect(bad).toThrow(ValueError);
    expect(bad).not.toThrow(AdapterParseError);
    expect(bad).toThrow("Input should be a valid integer, unable to parse string as an integer [input_value='many']");
  });

  it("Literal mismatch lists the allowed values", () => {
    const sig = new Signature("t -> s: Literal['yes', 'no']");
    expect(() => new ChatAdapter().parse(sig, "[[ ## s ## ]]\nmaybe")).toThrow("'maybe' is not one of ('yes', 'no')");
  });
});
