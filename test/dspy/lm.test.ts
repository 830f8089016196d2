// The LM through the real `openai` SDK against a fetch that speaks the real
// chat-completions wire format (JSON and SSE chunks).
import { describe, expect, it, vi } from "vitest";
import { context } from "../../src/dspy/context";
import { LMError } from "../../src/dspy/errors";
import { RunEvent, type Message } from "../../src/dspy/events";
import { LM } from "../../src/dspy/lm";
import { LMCache } from "../../src/dspy/lm-cache";
import { fakeOpenAIFetch, tokenize } from "../../src/dspy/utils/fake-openai";
import { deltas, ofType, recordEvents } from "../helpers/events";
import { readSSE } from "../helpers/sse";

const KEY = "sk-test-SECRET-1234567890";
const messages: Message[] = [
  { role: "system", content: "You answer briefly." },
  { role: "user", content: "Capital of France?" },
];
const ANSWER = "[[ ## answer ## ]]\nParis, the capital.\n\n[[ ## completed ## ]]";

function lmWith(fetch: typeof globalThis.fetch, options: ConstructorParameters<typeof LM>[1] = {}) {
  return new LM("gpt-4o-mini", { apiKey: KEY, baseURL: "https://llm.test/v1", fetch, retryDelayMs: 1, ...options });
}

describe("fake OpenAI server", () => {
  it("tokenizes losslessly into several pieces", () => {
    expect(tokenize(ANSWER).join("")).toBe(ANSWER);
    expect(tokenize(ANSWER).length).toBeGreaterThan(8);
  });

  it("speaks OpenAI's SSE chunk format: role chunk, tokens, finish, usage chunk, [DONE]", async () => {
    const fetch = fakeOpenAIFetch(() => "Hello there, world.");
    const response = await fetch("https://x.test/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({ model: "m", messages, stream: true, stream_options: { include_usage: true } }),
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const frames = await readSSE(response);
    expect(frames.at(-1)!.data).toBe("[DONE]");
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.data));
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "m")).toBe(true);
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    const text = chunks.flatMap((c) => c.choices.map((ch: { delta: { content?: string } }) => ch.delta.content ?? "")).join("");
    expect(text).toBe("Hello there, world.");
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.at(-1).usage).toEqual({ prompt_tokens: expect.any(Number), completion_tokens: 5, total_tokens: expect.any(Number) });
    expect(fetch.requests[0].body.model).toBe("m");
  });

  it("answers errors with OpenAI's error body", async () => {
    const fetch = fakeOpenAIFetch(() => ({ status: 429, retryAfter: 2 }));
    const response = await fetch("https://x.test/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "m", messages }) });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("2");
    expect(await response.json()).toMatchObject({ error: { type: "requests", code: "rate_limit_exceeded" } });
  });
});

describe("LM over the openai SDK", () => {
  it("streams deltas in order, records usage and sends the OpenAI request", async () => {
    const fetch = fakeOpenAIFetch(() => ANSWER);
    const lm = lmWith(fetch, { temperature: 0, maxTokens: 200 });
    const { events, recorder } = recordEvents();
    const result = await context({ callbacks: [recorder] }, () => lm.call(messages));

    expect(result.texts).toEqual([ANSWER]);
    expect(result.cached).toBe(false);
    expect(deltas(events)).toEqual(tokenize(ANSWER));
    const usage = result.usage!;
    expect(usage.completion_tokens).toBe(tokenize(ANSWER).length);
    expect(usage.prompt_tokens).toBeGreaterThan(10);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(recorder.usage).toEqual({ "gpt-4o-mini": usage });

    const [request] = fetch.requests;
    expect(fetch.requests).toHaveLength(1);
    expect(request.url).toBe("https://llm.test/v1/chat/completions");
    expect(request.body).toMatchObject({
      model: "gpt-4o-mini",
      messages,
      temperature: 0,
      max_tokens: 200,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);

    expect(events.map((e) => e.type)).toEqual(["lm_start", ...tokenize(ANSWER).map(() => "lm_delta"), "lm_end"]);
    const [start] = ofType(events, "lm_start");
    expect(start).toMatchObject({ name: "gpt-4o-mini", model: "gpt-4o-mini", messages, params: { temperature: 0, max_tokens: 200 }, parent_id: null });
    const [end] = ofType(events, "lm_end");
    expect(end).toMatchObject({ call_id: start.call_id, text: ANSWER, usage, cached: false, error: null });
    for (const e of events) {
      expect(RunEvent.safeParse({ ...e, run_id: "r", seq: 1, ts: 0 }).success).toBe(true);
      expect(JSON.stringify(e)).not.toContain("SECRET");
    }
    expect(JSON.stringify(lm)).not.toContain("SECRET");
  });

  it("reads plain JSON chat.completion responses when streaming is off", async () => {
    const fetch = fakeOpenAIFetch(() => ANSWER);
    const { events, recorder } = recordEvents();
    const result = await context({ callbacks: [recorder] }, () => lmWith(fetch, { stream: false }).call(messages));
    expect(result.texts).toEqual([ANSWER]);
    expect(result.usage?.completion_tokens).toBe(tokenize(ANSWER).length);
    expect(deltas(events)).toEqual([ANSWER]);
    expect(fetch.requests[0].body.stream).toBeFalsy();
    expect(fetch.requests[0].body.stream_options).toBeUndefined();
  });

  it("returns every choice for n > 1 and streams the first", async () => {
    const fetch = fakeOpenAIFetch(() => ["first answer here", "second one"]);
    const { events, recorder } = recordEvents();
    const result = await context({ callbacks: [recorder] }, () => lmWith(fetch).call(messages, { n: 2, temperature: 0.7 }));
    expect(result.texts).toEqual(["first answer here", "second one"]);
    expect(deltas(events).join("")).toBe("first answer here");
    expect(ofType(events, "lm_end")[0]).toMatchObject({ text: "first answer here", texts: result.texts });
    expect(fetch.requests[0].body).toMatchObject({ n: 2, temperature: 0.7 });
  });

  it("retries a 429 and honours Retry-After over its own backoff", async () => {
    const fetch = fakeOpenAIFetch((_req, attempt) => (attempt === 1 ? { status: 429, retryAfter: 0 } : "ok"));
    // A 60 s backoff would time the test out: only the server's Retry-After: 0 lets it pass.
    const lm = lmWith(fetch, { retryDelayMs: 60_000, maxRetryDelayMs: 60_000 });
    const { events, recorder } = recordEvents();
    const result = await context({ callbacks: [recorder] }, () => lm.call(messages));
    expect(result.texts).toEqual(["ok"]);
    expect(fetch.requests).toHaveLength(2);
    expect(events.map((e) => e.type)).toEqual(["lm_start", "lm_retry", "lm_delta", "lm_end"]);
    expect(ofType(events, "lm_end")[0].error).toBeNull();
    const [start] = ofType(events, "lm_start");
    expect(ofType(events, "lm_retry")[0]).toEqual({
      type: "lm_retry", call_id: start.call_id, parent_id: start.parent_id, name: start.name,
      attempt: 1, status: 429, wait_ms: 0, error: { type: "LMError", message: expect.stringContaining("HTTP 429") },
    });
  });

  it("gives up after numRetries on repeated 500s with an LMError in lm_end", async () => {
    const fetch = fakeOpenAIFetch(() => ({ status: 500 }));
    const { events, recorder } = recordEvents();
    const error = await context({ callbacks: [recorder] }, () => lmWith(fetch, { numRetries: 2 }).call(messages)).catch((e) => e);
    expect(error).toBeInstanceOf(LMError);
    expect(error).toMatchObject({ status: 500, model: "gpt-4o-mini" });
    expect(error.message).toContain("HTTP 500");
    expect(error.message).toContain("after 3 attempts");
    expect(fetch.requests).toHaveLength(3);
    const [end] = ofType(events, "lm_end");
    expect(end).toMatchObject({ text: null, usage: null, error: { type: "LMError" } });
    expect(end.error!.message).toContain("The server had an error");
  });

  it("does not retry a 400, and never repeats the API key in errors", async () => {
    const fetch = fakeOpenAIFetch(() => ({ status: 401, message: `Incorrect API key provided: ${KEY}` }));
    const error = await lmWith(fetch).call(messages).catch((e) => e);
    expect(error).toBeInstanceOf(LMError);
    expect(error.status).toBe(401);
    expect(fetch.requests).toHaveLength(1);
    expect(error.message).not.toContain("SECRET");
    expect(error.message).toContain("[redacted]");
  });

  it("aborts a streaming request when the run's signal fires", async () => {
    const text = "one two three four five six seven eight nine ten eleven twelve";
    const fetch = fakeOpenAIFetch(() => text, { chunkDelayMs: 5 });
    const controller = new AbortController();
    const { events, recorder } = recordEvents();
    const abortingRecorder = { onLmDelta: () => controller.abort(new Error("cancelled by user")) };
    const error = await context({ callbacks: [recorder, abortingRecorder], signal: controller.signal }, () =>
      lmWith(fetch).call(messages),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(LMError);
    expect(error.message).toContain("aborted");
    expect(fetch.requests).toHaveLength(1); // not retried
    expect(deltas(events)).toEqual([tokenize(text)[0]]);
    expect(ofType(events, "lm_end")[0].error?.message).toContain("aborted");
  });

  it("fails with a timeout when the server sends nothing for timeoutMs", async () => {
    const fetch = fakeOpenAIFetch(() => "late", { firstByteDelayMs: 2_000 });
    const error = await lmWith(fetch, { timeoutMs: 20, numRetries: 1 }).call(messages).catch((e) => e);
    expect(error).toBeInstanceOf(LMError);
    expect(error.message).toContain("sent nothing for 20 ms");
    expect(fetch.requests).toHaveLength(2); // a timeout before any token is retried
  });

  it("serves an identical request from the cache, with lm events and no HTTP request", async () => {
    const fetch = fakeOpenAIFetch(() => ANSWER);
    const lm = lmWith(fetch, { cache: new LMCache() });
    const { events, recorder } = recordEvents();
    const first = await context({ callbacks: [recorder] }, () => lm.call(messages));
    const second = await context({ callbacks: [recorder] }, () => lm.call(messages));
    expect(fetch.requests).toHaveLength(1);
    expect(second).toEqual({ texts: [ANSWER], usage: null, cached: true });
    expect(first.cached).toBe(false);
    const ends = ofType(events, "lm_end");
    expect(ends.map((e) => e.cached)).toEqual([false, true]);
    expect(ends[1].usage).toBeNull();
    // The cached text replays as one delta inside the second call.
    const secondDeltas = events.filter((e) => e.type === "lm_delta" && e.call_id === ends[1].call_id);
    expect(secondDeltas).toMatchObject([{ delta: ANSWER }]);
    // Only the real request counts as usage.
    expect(recorder.usage["gpt-4o-mini"]).toEqual(first.usage);

    // Different rollout ids, or different params, are different entries.
    await context({ rolloutId: 1 }, () => lm.call(messages));
    await context({ rolloutId: 1 }, () => lm.call(messages));
    await lm.call(messages, { temperature: 0.3 });
    expect(fetch.requests).toHaveLength(3);
    // The key ignores credentials: another key, same request, same entry.
    const cache = new LMCache();
    await lmWith(fetch, { cache }).call(messages);
    await new LM("gpt-4o-mini", { apiKey: "sk-other", baseURL: "https://llm.test/v1", fetch, cache }).call(messages);
    expect(fetch.requests).toHaveLength(4);
  });

  it("applies the reasoning-model rules", async () => {
    expect(() => new LM("o3-mini", { temperature: 0.2 })).toThrow(/temperature=1.0/);
    expect(() => new LM("openai/gpt-5", { maxTokens: 4000 })).toThrow(/16000/);
    const fetch = fakeOpenAIFetch(() => "ok");
    const lm = new LM("gpt-5-mini", { apiKey: KEY, fetch, temperature: 1.0, maxTokens: 16000 });
    expect(lm.kwargs).toEqual({ temperature: 1.0, max_completion_tokens: 16000 });
    await lm.call(messages, { max_tokens: 20000 });
    expect(fetch.requests[0].body.max_completion_tokens).toBe(20000);
    expect(fetch.requests[0].body).not.toHaveProperty("max_tokens");
    // gpt-5-chat is not a reasoning model.
    expect(new LM("gpt-5-chat-latest", { maxTokens: 100 }).kwargs).toEqual({ max_tokens: 100 });
  });

  it("copies itself with changed options, same endpoint and key", async () => {
    const fetch = fakeOpenAIFetch(() => "ok");
    const hot = lmWith(fetch, { temperature: 0 }).copy({ temperature: 1.0 });
    await hot.call(messages);
    expect(fetch.requests[0].body.temperature).toBe(1.0);
    expect(fetch.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
    expect(fetch.requests[0].url).toBe("https://llm.test/v1/chat/completions");
  });

  it("turns a throwing script into a 500 the LM reports", async () => {
    const fetch = fakeOpenAIFetch(() => {
      throw new Error("no answer scripted");
    });
    const error = await lmWith(fetch, { numRetries: 0 }).call(messages).catch((e) => e);
    expect(error).toBeInstanceOf(LMError);
    expect(error.message).toContain("no answer scripted");
  });

  it("knows which models take a JSON schema response_format", () => {
    expect(new LM("gpt-4o-mini").supportsResponseSchema).toBe(true);
    expect(new LM("openai/gpt-4.1").supportsResponseSchema).toBe(true);
    expect(new LM("llama3.1:8b").supportsResponseSchema).toBe(false);
    expect(new LM("llama3.1:8b", { supportsResponseSchema: true }).supportsResponseSchema).toBe(true);
  });

  it("keeps running when a callback throws", async () => {
    const fetch = fakeOpenAIFetch(() => "fine");
    const { events, recorder } = recordEvents();
    const broken = {
      onLmStart() { throw new Error("boom"); },
      onLmDelta() { throw new Error("boom"); },
      onLmEnd() { throw new Error("boom"); },
    };
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const result = await context({ callbacks: [broken, recorder] }, () => lmWith(fetch).call(messages));
    const warnings = warn.mock.calls.length;
    warn.mockRestore();
    expect(result.texts).toEqual(["fine"]);
    expect(warnings).toBe(3);
    expect(events.map((e) => e.type)).toEqual(["lm_start", "lm_delta", "lm_end"]);
  });
});
