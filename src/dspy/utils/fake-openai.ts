// A scripted OpenAI-compatible endpoint as a `fetch` function. It speaks the
// real chat-completions wire format (JSON, or `text/event-stream` chunks with a
// final usage chunk and `[DONE]`), so whatever talks to it — the `openai` SDK
// in tests, or the server's offline demo LM — goes through the same code path
// as against api.openai.com.
import { sleep } from "./sleep";

/** A chat-completions request as the fake server received it. */
export interface FakeChatRequest {
  url: string;
  /** The JSON body, parsed. */
  body: {
    model: string;
    messages: { role: string; content: string }[];
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    n?: number;
    [key: string]: unknown;
  };
  headers: Record<string, string>;
}

/** What `respond` returns: completion text(s), or an HTTP error. */
export type FakeReply =
  | string
  | string[]
  | { texts: string[]; finishReason?: "stop" | "length" }
  | { status: number; message?: string; retryAfter?: number };

/** `attempt` counts requests with an identical body (1 for the first, 2 for its first retry, …). */
export type FakeResponder = (request: FakeChatRequest, attempt: number) => FakeReply | Promise<FakeReply>;

export interface FakeOpenAIOptions {
  /** Pause before each streamed chunk, so a live view sees tokens arrive over time. */
  chunkDelayMs?: number;
  /** Pause before the response headers (a slow first byte). */
  firstByteDelayMs?: number;
  /** How many requests `requests` keeps (oldest dropped), so a long-lived demo LM stays small. Default 1000. */
  maxRecorded?: number;
}

export type FakeOpenAIFetch = typeof fetch & {
  /** Every chat-completions request received, in order. */
  readonly requests: FakeChatRequest[];
};

const encoder = new TextEncoder();

/**
 * Splits text into token-like pieces (short word pieces, punctuation, newlines
 * with their leading spaces); joining the pieces gives the text back.
 */
export function tokenize(text: string): string[] {
  return text.match(/[^\S\n]*(?:\n|[\p{L}\p{N}_]{1,10}|[^\s\p{L}\p{N}_]{1,3})|\s+/gu) ?? [];
}

/** A rough token count in the spirit of OpenAI's: pieces plus per-message overhead. */
export function countPromptTokens(messages: { content: string }[]): number {
  return messages.reduce((sum, m) => sum + 4 + tokenize(String(m.content ?? "")).length, 3);
}

function errorBody(status: number, message?: string) {
  const known: Record<number, { message: string; type: string; code: string | null }> = {
    400: { message: "Invalid request.", type: "invalid_request_error", code: null },
    401: { message: "Incorrect API key provided.", type: "invalid_request_error", code: "invalid_api_key" },
    429: {
      message: "Rate limit reached for requests. Please try again shortly.",
      type: "requests",
      code: "rate_limit_exceeded",
    },
    500: {
      message: "The server had an error while processing your request. Sorry about that!",
      type: "server_error",
      code: null,
    },
    503: { message: "The engine is currently overloaded, please try again later.", type: "server_error", code: null },
  };
  const base = known[status] ?? { message: `HTTP ${status}`, type: "server_error", code: null };
  return { error: { message: message ?? base.message, type: base.type, param: null, code: base.code } };
}

function normalize(reply: FakeReply): { texts: string[]; finishReason: string } | { status: number; message?: string; retryAfter?: number } {
  if (typeof reply === "string") return { texts: [reply], finishReason: "stop" };
  if (Array.isArray(reply)) return { texts: reply, finishReason: "stop" };
  if ("status" in reply) return reply;
  return { texts: reply.texts, finishReason: reply.finishReason ?? "stop" };
}

function headersOf(init: RequestInit | undefined, input: RequestInfo | URL): Record<string, string> {
  const source = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
  return Object.fromEntries([...source.entries()]);
}

/**
 * A `fetch` serving POST `…/chat/completions`, scripted by `respond`.
 * With `n > 1` and a single text, every choice gets that text.
 */
export function fakeOpenAIFetch(respond: FakeResponder, options: FakeOpenAIOptions = {}): FakeOpenAIFetch {
  const requests: FakeChatRequest[] = [];
  const attempts = new Map<string, number>();
  let nextId = 1;

  const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    if (!url.endsWith("/chat/completions") || method !== "POST") {
      return Response.json({ error: { message: `Unknown route ${method} ${url}`, type: "invalid_request_error" } }, { status: 404 });
    }
    const raw = init?.body !== undefined ? String(init.body) : await (input as Request).text();
    const body = JSON.parse(raw) as FakeChatRequest["body"];
    const request: FakeChatRequest = { url, body, headers: headersOf(init, input) };
    requests.push(request);
    const attempt = (attempts.get(raw) ?? 0) + 1;
    attempts.delete(raw);
    attempts.set(raw, attempt);
    const keep = options.maxRecorded ?? 1000;
    if (requests.length > keep) requests.splice(0, requests.length - keep);
    while (attempts.size > keep) attempts.delete(attempts.keys().next().value!);

    await sleep(options.firstByteDelayMs ?? 0, signal);
    let reply: ReturnType<typeof normalize>;
    try {
      reply = normalize(await respond(request, attempt));
    } catch (error) {
      // A bug in the script answers like a failing server would, not as a network error.
      reply = { status: 500, message: `fake server: respond() threw: ${error instanceof Error ? error.message : String(error)}` };
    }
    if ("status" in reply) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (reply.retryAfter !== undefined) headers["retry-after"] = String(reply.retryAfter);
      return new Response(JSON.stringify(errorBody(reply.status, reply.message)), { status: reply.status, headers });
    }

    const n = body.n ?? 1;
    const texts = Array.from({ length: n }, (_, i) => reply.texts[i] ?? reply.texts[0] ?? "");
    const promptTokens = countPromptTokens(body.messages);
    const completionTokens = texts.reduce((sum, t) => sum + tokenize(t).length, 0);
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    const id = `chatcmpl-fake${nextId++}`;
    const created = Math.floor(Date.now() / 1000);
    const common = { id, created, model: body.model, system_fingerprint: "fp_fake" };

    if (!body.stream) {
      return Response.json({
        ...common,
        object: "chat.completion",
        choices: texts.map((content, index) => ({
          index,
          message: { role: "assistant", content, refusal: null },
          logprobs: null,
          finish_reason: reply.finishReason,
        })),
        usage,
      });
    }

    const withUsage = body.stream_options?.include_usage === true;
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      ({ ...common, object: "chat.completion.chunk", choices, ...(withUsage ? { usage: null } : {}), ...extra });
    const frames: unknown[] = [];
    frames.push(chunk(texts.map((_, index) => ({ index, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }))));
    // Choices interleave token by token, as OpenAI sends them.
    const pieces = texts.map(tokenize);
    for (let step = 0; step < Math.max(0, ...pieces.map((p) => p.length)); step++) {
      pieces.forEach((p, index) => {
        if (step < p.length) frames.push(chunk([{ index, delta: { content: p[step] }, logprobs: null, finish_reason: null }]));
      });
    }
    frames.push(chunk(texts.map((_, index) => ({ index, delta: {}, logprobs: null, finish_reason: reply.finishReason }))));
    if (withUsage) frames.push(chunk([], { usage }));

    const delay = options.chunkDelayMs ?? 0;
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const onAbort = () => controller.error(signal!.reason);
        // A client that gave up before the body started never gets an abort event: error the stream now.
        if (signal?.aborted) return onAbort();
        signal?.addEventListener("abort", onAbort, { once: true });
        try {
          for (const frame of frames) {
            await sleep(delay, signal);
            controller.enqueue(encoder.encode(`data: ${JSON.stringify(frame)}\n\n`));
          }
          controller.enqueue(encoder.encode("data: [DONE]\n\n"));
          controller.close();
        } catch {
          // aborted: the stream is already errored with the abort reason
        } finally {
          signal?.removeEventListener("abort", onAbort);
        }
      },
    });
    return new Response(stream, {
      status: 200,
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
    });
  };

  return Object.assign(fakeFetch as typeof fetch, { requests }) as FakeOpenAIFetch;
}
