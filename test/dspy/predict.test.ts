// Predict and ChainOfThought as users call them: config merging, n, demos,
// input validation, LM failures surfacing in lm_end and module_end, usage.
import { describe, expect, it, vi } from "vitest";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import { context } from "../../src/dspy/context";
import { InputValidationError, LMError } from "../../src/dspy/errors";
import { LM } from "../../src/dspy/lm";
import { Predict } from "../../src/dspy/predict";
import { fakeOpenAIFetch, type FakeResponder } from "../../src/dspy/utils/fake-openai";
import { deltas, ofType, recordEvents, shape } from "../helpers/events";

function chatAnswer(fields: Record<string, unknown>): string {
  const blocks = Object.entries(fields).map(([k, v]) => `[[ ## ${k} ## ]]\n${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `${blocks.join("\n\n")}\n\n[[ ## completed ## ]]`;
}

function setup(respond: FakeResponder, options: ConstructorParameters<typeof LM>[1] = {}) {
  const fetch = fakeOpenAIFetch(respond);
  const lm = new LM("gpt-4o-mini", { apiKey: "sk-predict", baseURL: "https://llm.test/v1", fetch, retryDelayMs: 1, ...options });
  const { events, recorder } = recordEvents();
  const run = <T>(fn: () => Promise<T>) => context({ lm, callbacks: [recorder] }, fn);
  return { fetch, lm, events, recorder, run };
}

describe("Predict", () => {
  it("parses typed outputs and reports usage per model", async () => {
    const { run, fetch, recorder } = setup(() => chatAnswer({ answer: "4" }));
    const result = await run(() => new Predict("question -> answer: int").call({ question: "2+2?" }));
    expect(result.answer).toBe(4);
    expect(result.get("answer")).toBe(4);
    expect(result.keys()).toEqual(["answer"]);
    expect(JSON.stringify(result)).toBe('{"answer":4}');
    expect(result.usage).toEqual(recorder.usage);
    expect(result.usage["gpt-4o-mini"].total_tokens).toBeGreaterThan(0);
    expect(fetch.requests).toHaveLength(1);
  });

  it("merges per-call config over the module's and the LM's defaults", async () => {
    const { run, fetch } = setup(() => chatAnswer({ answer: "x" }), { temperature: 0, maxTokens: 100 });
    const predict = new Predict("question -> answer", { temperature: 0.2, max_tokens: 50, top_p: 0.9 });
    await run(() => predict.call({ question: "q" }, { config: { temperature: 0.9 } }));
    expect(fetch.requests[0].body).toMatchObject({ temperature: 0.9, max_tokens: 50, top_p: 0.9 });
  });

  it("keeps every completion for n > 1 and raises a near-zero temperature to 0.7", async () => {
    const { run, fetch, events } = setup(() => [chatAnswer({ answer: "one" }), chatAnswer({ answer: "two" }), chatAnswer({ answer: "three" })], { temperature: 0 });
    const result = await run(() => new Predict("question -> answer", { n: 3 }).call({ question: "q" }));
    expect(fetch.requests[0].body).toMatchObject({ n: 3, temperature: 0.7 });
    expect(result.answer).toBe("one");
    expect(result.completions).toEqual([{ answer: "one" }, { answer: "two" }, { answer: "three" }]);
    expect(ofType(events, "adapter_parse_start")).toHaveLength(3); // parse runs once per choice
    // An explicit higher temperature is kept.
    await run(() => new Predict("question -> answer", { n: 2, temperature: 0.5 }).call({ question: "q" }));
    expect(fetch.requests[1].body).toMatchObject({ n: 2, temperature: 0.5 });
  });

  it("reads temperature and n with Python's `or`, as predict.py does", async () => {
    // config temperature 0 is falsy: DSPy looks at the LM's 0.5 instead, sees > 0.15, and leaves the call's 0.
    const { run, fetch } = setup(() => [chatAnswer({ answer: "a" }), chatAnswer({ answer: "b" })], { temperature: 0.5 });
    await run(() => new Predict("question -> answer", { n: 2, temperature: 0 }).call({ question: "q" }));
    expect(fetch.requests[0].body).toMatchObject({ n: 2, temperature: 0 });
  });

  it("sends demos before the question", async () => {
    const { run, fetch, events } = setup(() => chatAnswer({ answer: "Rome" }));
    const predict = new Predict("question -> answer");
    predict.demos = [{ question: "Capital of Spain?", answer: "Madrid" }];
    await run(() => predict.call({ question: "Capital of Italy?" }));
    const sent = fetch.requests[0].body.messages;
    expect(sent.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(sent[1].content).toContain("Capital of Spain?");
    expect(sent[2].content).toContain("Madrid");
    expect(ofType(events, "adapter_format_start")[0].demos).toBe(1);
  });

  it("rejects invalid inputs before calling the LM, with the error in module_end", async () => {
    const { run, fetch, events } = setup(() => chatAnswer({ answer: "x" }));
    const error = await run(() => new Predict("question: str, k: int -> answer").call({ question: "q", k: "many" })).catch((e) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.issues.map((i: { field: string }) => i.field)).toEqual(["k"]);
    expect(fetch.requests).toHaveLength(0);
    expect(shape(events)).toEqual([{ type: "module_start", depth: 0 }, { type: "module_end", depth: 0 }]);
    expect(ofType(events, "module_end")[0].error?.type).toBe("InputValidationError");
  });

  it("surfaces a repeated 500 in lm_end and module_end, without falling back to JSON", async () => {
    const { run, fetch, events } = setup(() => ({ status: 500 }), { numRetries: 1 });
    const error = await run(() => new Predict("question -> answer").call({ question: "q" })).catch((e) => e);
    expect(error).toBeInstanceOf(LMError);
    expect(fetch.requests).toHaveLength(2);
    expect(shape(events)).toEqual([
      { type: "module_start", depth: 0 },
      { type: "adapter_format_start", depth: 1 },
      { type: "adapter_format_end", depth: 1 },
      { type: "lm_start", depth: 1 },
      { type: "lm_retry", depth: 1 },
      { type: "lm_end", depth: 1 },
      { type: "module_end", depth: 0 },
    ]);
    const [lmEnd] = ofType(events, "lm_end");
    const [moduleEnd] = ofType(events, "module_end");
    expect(lmEnd.error).toMatchObject({ type: "LMError" });
    expect(moduleEnd.error).toEqual(lmEnd.error);
    expect(moduleEnd.outputs).toBeNull();
    expect(JSON.stringify(events)).not.toContain("sk-predict");
  });

  it("uses its own lm over the context's, and explains a missing one", async () => {
    const own = setup(() => chatAnswer({ answer: "own" }));
    const ctx = setup(() => chatAnswer({ answer: "ctx" }));
    const predict = new Predict("question -> answer");
    predict.lm = own.lm;
    const result = await ctx.run(() => predict.call({ question: "q" }));
    expect(result.answer).toBe("own");
    expect(ctx.fetch.requests).toHaveLength(0);
    const missing = await new Predict("question -> answer").call({ question: "q" }).catch((e) => e);
    expect(missing.message).toMatch(/No LM is configured for Predict/);
  });

  it("streams the completion's tokens between lm_start and lm_end", async () => {
    const text = chatAnswer({ reasoning: "Paris is the capital.", answer: "Paris" });
    const { run, events } = setup(() => text);
    await run(() => new ChainOfThought("question -> answer").call({ question: "Capital of France?" }));
    expect(deltas(events).join("")).toBe(text);
    expect(deltas(events).length).toBeGreaterThan(5);
    const types = events.map((e) => e.type);
    expect(types.indexOf("lm_start")).toBeLessThan(types.indexOf("lm_delta"));
    expect(types.lastIndexOf("lm_delta")).toBeLessThan(types.indexOf("lm_end"));
  });

  it("finishes a run when a callback throws in every hook", async () => {
    const { lm, events, recorder } = setup(() => chatAnswer({ reasoning: "r", answer: "a" }));
    const boom = () => {
      throw new Error("callback bug");
    };
    const broken = {
      onModuleStart: boom, onModuleEnd: boom, onLmStart: boom, onLmEnd: boom, onLmDelta: boom,
      onAdapterFormatStart: boom, onAdapterFormatEnd: boom, onAdapterParseStart: boom, onAdapterParseEnd: boom,
    };
    const program = new ChainOfThought("question -> answer");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const result = await context({ lm, callbacks: [broken, recorder] }, () => program.call({ question: "q" }));
    const warnings = warn.mock.calls.map(([message]) => String(message));
    warn.mockRestore();
    expect(result.answer).toBe("a");
    expect(warnings.some((message) => message.includes("onLmDelta threw"))).toBe(true);
    expect(ofType(events, "module_end")).toHaveLength(2);
  });
});
