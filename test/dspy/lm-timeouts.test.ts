// A silent LM: the first-token and between-token timeouts, the retry budget
// that bounds a stalled call with its retries, and their configuration per LM
// and per deployment ([vars]). Streams come from a real SSE body that stops
// sending where the test says, so the openai SDK reads it as it would a stalled server.
import { describe, expect, it } from "vitest";
import { context } from "../../src/dspy/context";
import { LMError } from "../../src/dspy/errors";
import { DEFAULT_FIRST_TOKEN_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_RETRY_BUDGET_MS, LM } from "../../src/dspy/lm";
import { configuredLM, lmTimeouts } from "../../src/programs/lm-config";
import { ofType, recordEvents } from "../helpers/events";

const messages = [{ role: "user" as const, content: "hi" }];
const encoder = new TextEncoder();

const frame = (delta: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;

/** A server that sends these SSE frames and then stays silent (until aborted); `requests` counts attempts. */
function stallingServer(frames: string[], opts: { headers?: boolean } = {}) {
  const state = { requests: 0 };
  const fetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
    state.requests++;
    const signal = init?.signal ?? undefined;
    if (opts.headers === false) {
      // Accepts the connection and never answers.
      return new Promise<Response>((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason), { once: true }));
    }
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const f of frames) controller.enqueue(encoder.encode(f));
        signal?.addEventListener("abort", () => controller.error(signal.reason), { once: true });
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  }) as typeof globalThis.fetch;
  return { fetch, state };
}

const lmWith = (fetch: typeof globalThis.fetch, options: ConstructorParameters<typeof LM>[1] = {}) =>
  new LM("stall-model", { apiKey: "sk-stall", baseURL: "https://stall.test/v1", fetch, retryDelayMs: 1, ...options });

describe("LM timeouts", () => {
  it("defaults: 25 s to the first token, 20 s between tokens, a 60 s retry budget", () => {
    const lm = new LM("m");
    expect([lm.firstTokenTimeoutMs, lm.idleTimeoutMs, lm.retryBudgetMs]).toEqual([25_000, 20_000, 60_000]);
    expect([DEFAULT_FIRST_TOKEN_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_RETRY_BUDGET_MS]).toEqual([25_000, 20_000, 60_000]);
    // Worst case of a silent LM: attempts that each wait the first-token timeout, none started unless it can end in the budget.
    expect(lm.firstTokenTimeoutMs * 2 + 500).toBeLessThanOrEqual(lm.retryBudgetMs);
    const both = new LM("m", { timeoutMs: 1234 });
    expect([both.firstTokenTimeoutMs, both.idleTimeoutMs]).toEqual([1234, 1234]);
  });

  it("no headers at all: the first-token timeout fails the attempt, which is retried with an lm_retry event", async () => {
    const { fetch, state } = stallingServer([], { headers: false });
    const { events, recorder } = recordEvents();
    const error = await context({ callbacks: [recorder] }, () => lmWith(fetch, { firstTokenTimeoutMs: 40, numRetries: 1 }).call(messages)).catch((e) => e);
    expect(error).toBeInstanceOf(LMError);
    expect(error.message).toContain("LM stall-model sent nothing for 40 ms (no first token; first-token timeout) (after 2 attempts)");
    expect(state.requests).toBe(2);
    const [start] = ofType(events, "lm_start");
    expect(ofType(events, "lm_retry")).toEqual([
      {
        type: "lm_retry", call_id: start.call_id, parent_id: null, name: "stall-model",
        attempt: 1, status: null, wait_ms: 1, error: { type: "LMError", message: expect.stringContaining("sent nothing for 40 ms") },
      },
    ]);
    expect(ofType(events, "lm_end")[0].error?.message).toContain("sent nothing for 40 ms");
  });

  it("headers and a role-only chunk do not count as the first token", async () => {
    const { fetch, state } = stallingServer([frame({ role: "assistant", content: "" })]);
    const error = await lmWith(fetch, { firstTokenTimeoutMs: 40, idleTimeoutMs: 60_000, numRetries: 0 }).call(messages).catch((e) => e);
    expect(error.message).toContain("sent nothing for 40 ms (no first token");
    expect(state.requests).toBe(1);
  });

  it("a stall mid-stream fails after the between-token timeout and is not retried (its tokens were shown)", async () => {
    const { fetch, state } = stallingServer([frame({ role: "assistant", content: "" }), frame({ content: "Hel" }), frame({ content: "lo" })]);
    const { events, recorder } = recordEvents();
    const error = await context({ callbacks: [recorder] }, () =>
      lmWith(fetch, { firstTokenTimeoutMs: 60_000, idleTimeoutMs: 40, numRetries: 3 }).call(messages),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(LMError);
    expect(error.message).toBe("LM stall-model sent nothing for 40 ms after its last token (between-token timeout)");
    expect(state.requests).toBe(1);
    expect(ofType(events, "lm_delta").map((e) => e.delta)).toEqual(["Hel", "lo"]);
    expect(ofType(events, "lm_retry")).toEqual([]);
  });

  it("no retry starts that could not time out within the retry budget", async () => {
    const { fetch, state } = stallingServer([], { headers: false });
    // Attempt 1 ends at ~200 ms; a retry could end by ~400 (≤ 500): started. Attempt 2 ends at ~400; a third could not.
    const lm = lmWith(fetch, { firstTokenTimeoutMs: 200, retryBudgetMs: 500, numRetries: 5 });
    const error = await lm.call(messages).catch((e) => e);
    expect(state.requests).toBe(2);
    expect(error.message).toContain("(after 2 attempts) (not retried: a retry could not finish within the 500 ms retry budget)");
  });

  it("a Retry-After beyond the budget is not waited for; the LMError keeps it", async () => {
    const state = { requests: 0 };
    const fetch = (async () => {
      state.requests++;
      return Response.json({ error: { message: "slow down" } }, { status: 429, headers: { "retry-after": "120" } });
    }) as unknown as typeof globalThis.fetch;
    const error = await lmWith(fetch, { numRetries: 3, maxRetryDelayMs: 300_000 }).call(messages).catch((e) => e);
    expect(state.requests).toBe(1);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 120_000 });
    expect(error.message).toContain("retry budget");
  });

  it("deployments set them in [vars] (seconds); bad values fall back to the defaults", () => {
    expect(lmTimeouts({ LM_FIRST_TOKEN_TIMEOUT_S: "2.5", LM_IDLE_TIMEOUT_S: "4", LM_RETRY_BUDGET_S: "30" })).toEqual({
      firstTokenTimeoutMs: 2500, idleTimeoutMs: 4000, retryBudgetMs: 30_000,
    });
    expect(lmTimeouts({ LM_FIRST_TOKEN_TIMEOUT_S: "soon", LM_IDLE_TIMEOUT_S: "-1", LM_RETRY_BUDGET_S: "" })).toEqual({
      firstTokenTimeoutMs: undefined, idleTimeoutMs: undefined, retryBudgetMs: undefined,
    });
    const lm = configuredLM({ OPENAI_API_KEY: "sk-x", LM_FIRST_TOKEN_TIMEOUT_S: "3", LM_IDLE_TIMEOUT_S: "2", LM_RETRY_BUDGET_S: "9" });
    expect([lm.firstTokenTimeoutMs, lm.idleTimeoutMs, lm.retryBudgetMs]).toEqual([3000, 2000, 9000]);
  });
});
