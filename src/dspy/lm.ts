// One LM class over the `openai` SDK, for any OpenAI-compatible base URL.
// Every call streams (`stream: true` with usage), hands each token to the
// active LM call's callbacks, retries transient failures itself (the SDK's own
// retries are off so that no retry can replay tokens already shown), and fails
// with an LMError that names the model and status but never the API key.
import OpenAI from "openai";
import { createParser } from "eventsource-parser";
import { type Callback, emitLmDelta, emitLmRetry, withCallbacks } from "./callbacks";
import { currentContext } from "./context";
import { LMError } from "./errors";
import type { Message, Usage } from "./events";
import { LMCache, requestKey, sharedLMCache } from "./lm-cache";
import { sleep } from "./utils/sleep";

export type LMKwargs = Record<string, unknown>;

export interface LMResult {
  /** One text per choice (`n`), in choice order. */
  texts: string[];
  /** Null when served from the cache or when the provider sent none. */
  usage: Usage | null;
  cached: boolean;
  /** Why each choice stopped (`stop`, `length`, …), when the provider said; absent from the cache. */
  finishReasons?: string[];
}

export interface LMOptions {
  baseURL?: string;
  apiKey?: string;
  temperature?: number;
  maxTokens?: number;
  /** `true` uses the isolate-wide in-memory cache; pass an LMCache to scope it. Default off. */
  cache?: boolean | LMCache;
  /** The fetch the SDK uses (a test double, a service binding, …). */
  fetch?: typeof fetch;
  /** Retries after the first attempt, for 408/409/429/5xx, resets and stalls before the first token. */
  numRetries?: number;
  /** Longest wait from sending the request to the first token (or the whole reply when not streaming), in ms. Default 25 s. */
  firstTokenTimeoutMs?: number;
  /** Longest silence between two streamed chunks once the first token arrived, in ms. Default 20 s. */
  idleTimeoutMs?: number;
  /**
   * No retry starts unless it could still time out within this long of the call's
   * start (elapsed + backoff + first-token timeout), in ms. Default 60 s: with the
   * default timeouts a silent LM fails its call within a minute, retries included.
   */
  retryBudgetMs?: number;
  /** Shorthand for both firstTokenTimeoutMs and idleTimeoutMs (each wins when given). */
  timeoutMs?: number;
  /** First retry's backoff; doubles each retry. A Retry-After header wins. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** `false` sends non-streaming requests (the whole text arrives as one delta). */
  stream?: boolean;
  /** Whether the model accepts `response_format: json_schema`; JSONAdapter reads it. */
  supportsResponseSchema?: boolean;
  /** Extra HTTP headers for the provider (never recorded in events). */
  headers?: Record<string, string>;
  callbacks?: Callback[];
  /** Any other request parameter (top_p, stop, n, seed, …) becomes a default kwarg. */
  [param: string]: unknown;
}

const KNOWN_OPTIONS = new Set([
  "baseURL", "apiKey", "temperature", "maxTokens", "cache", "fetch", "numRetries", "timeoutMs",
  "firstTokenTimeoutMs", "idleTimeoutMs", "retryBudgetMs",
  "retryDelayMs", "maxRetryDelayMs", "stream", "supportsResponseSchema", "headers", "callbacks",
]);

/** Request keys that are credentials or endpoint config: never sent as params, hashed, or recorded. */
const SECRET_KEYS = new Set(["api_key", "apiKey", "api_base", "base_url", "baseURL", "headers", "extra_headers", "authorization"]);
/** Keys that steer this class, not the provider. */
const LOCAL_KEYS = new Set(["cache", "rollout_id"]);

function modelFamily(model: string): string {
  return (model.includes("/") ? model.split("/").pop()! : model).toLowerCase();
}

/** DSPy's rule for OpenAI reasoning models (o1/o3/o4/o5 families, gpt-5 except -chat). */
export function isReasoningModel(model: string): boolean {
  return /^(?:o[1345](?:-(?:mini|nano|pro))?(?:-\d{4}-\d{2}-\d{2})?|gpt-5(?!-chat)(?:-.*)?)$/.test(modelFamily(model));
}

function defaultSupportsResponseSchema(model: string): boolean {
  return /^(?:gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o[1345])/.test(modelFamily(model));
}

/** Retry-After (seconds or an HTTP date) or the non-standard retry-after-ms, in ms. */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms)) return Math.max(0, ms);
  const value = headers?.get("retry-after");
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

export const DEFAULT_FIRST_TOKEN_TIMEOUT_MS = 25_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 20_000;
export const DEFAULT_RETRY_BUDGET_MS = 60_000;

/** "20 ms", "25 s", "1.5 s": how long an LM stayed silent, for messages. */
function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** Why one attempt failed, before it becomes an LMError. */
class AttemptFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly retryAfter?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class LM {
  static readonly className = "LM";
  readonly model: string;
  /** Request defaults (temperature, max_tokens, …), sent with every call. */
  readonly kwargs: LMKwargs;
  readonly supportsResponseSchema: boolean;
  readonly numRetries: number;
  readonly firstTokenTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly retryBudgetMs: number;
  callbacks: Callback[];
  // Private fields: JSON.stringify(lm) or an event can never reach the key.
  readonly #options: LMOptions;
  readonly #client: OpenAI;
  readonly #apiKey: string | undefined;
  readonly #cache: LMCache | null;

  constructor(model: string, options: LMOptions = {}) {
    this.model = model;
    this.#options = { ...options };
    this.#apiKey = options.apiKey;
    const extra = Object.fromEntries(Object.entries(options).filter(([k]) => !KNOWN_OPTIONS.has(k) && !SECRET_KEYS.has(k)));
    const { temperature, maxTokens } = options;
    if (isReasoningModel(model)) {
      if ((temperature !== undefined && temperature !== 1.0) || (maxTokens !== undefined && maxTokens < 16000)) {
        throw new LMError(
          "OpenAI's reasoning models require temperature=1.0 or unset and maxTokens >= 16000 or unset, " +
            `e.g. new LM("${model}", { temperature: 1.0, maxTokens: 16000 })`,
          model,
        );
      }
      this.kwargs = dropUndefined({ temperature, max_completion_tokens: maxTokens, ...extra });
    } else {
      this.kwargs = dropUndefined({ temperature, max_tokens: maxTokens, ...extra });
    }
    this.supportsResponseSchema = options.supportsResponseSchema ?? defaultSupportsResponseSchema(model);
    this.numRetries = options.numRetries ?? 3;
    this.firstTokenTimeoutMs = positive(options.firstTokenTimeoutMs) ?? positive(options.timeoutMs) ?? DEFAULT_FIRST_TOKEN_TIMEOUT_MS;
    this.idleTimeoutMs = positive(options.idleTimeoutMs) ?? positive(options.timeoutMs) ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.retryBudgetMs = positive(options.retryBudgetMs) ?? DEFAULT_RETRY_BUDGET_MS;
    this.callbacks = options.callbacks ?? [];
    this.#cache = options.cache === true ? sharedLMCache : options.cache instanceof LMCache ? options.cache : null;
    this.#client = new OpenAI({
      baseURL: options.baseURL,
      // The SDK insists on a key; keyless local servers (Ollama, vLLM) ignore it.
      apiKey: options.apiKey || "no-key",
      maxRetries: 0,
      // Our timers (first token, then between chunks) decide timeouts; the SDK's is only a backstop.
      timeout: Math.ceil(this.firstTokenTimeoutMs) + 1000,
      defaultHeaders: options.headers,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  /** Whether calls use a response cache (a saved program records it as `cache`). */
  get cacheEnabled(): boolean {
    return this.#cache !== null;
  }

  /**
   * Another model on this LM's endpoint (base URL, key, fetch, headers,
   * timeouts), without this LM's request defaults: how a predictor's LM from a
   * saved program is served with the configured provider's credentials.
   */
  sibling(model: string, options: LMOptions = {}): LM {
    const { baseURL, apiKey, fetch, headers, timeoutMs, retryDelayMs, maxRetryDelayMs, stream, callbacks } = this.#options;
    const endpoint = { baseURL, apiKey, fetch, headers, timeoutMs, retryDelayMs, maxRetryDelayMs, stream, callbacks };
    return new LM(model, { ...dropUndefined(endpoint), ...options });
  }

  /** A new LM with the same endpoint and these options changed (DSPy's `lm.copy(**kwargs)`). */
  copy(overrides: LMOptions = {}): LM {
    return new LM(this.model, { ...this.#options, ...overrides });
  }

  /** The parameters a call with `kwargs` sends besides model and messages: no credentials, no local keys. */
  requestParams(kwargs: LMKwargs = {}): LMKwargs {
    const params: LMKwargs = { ...this.kwargs, ...kwargs };
    for (const key of Object.keys(params)) if (SECRET_KEYS.has(key) || LOCAL_KEYS.has(key)) delete params[key];
    // Reasoning models take max_completion_tokens; a per-call max_tokens is renamed, not dropped.
    if (isReasoningModel(this.model) && params.max_tokens !== undefined) {
      params.max_completion_tokens = kwargs.max_completion_tokens ?? params.max_tokens;
      delete params.max_tokens;
    }
    return dropUndefined(params);
  }

  /** Calls the model with callbacks (lm start/delta/end); resolves with every choice's text. */
  call(messages: Message[], kwargs: LMKwargs = {}): Promise<LMResult> {
    return withCallbacks("lm", this, { messages, kwargs }, () => this.complete(messages, kwargs));
  }

  private async complete(messages: Message[], kwargs: LMKwargs): Promise<LMResult> {
    const request: LMKwargs = { model: this.model, messages, ...this.requestParams(kwargs) };
    const useCache = kwargs.cache === false ? null : this.#cache;
    let key: string | null = null;
    if (useCache) {
      const rolloutId = kwargs.rollout_id ?? this.kwargs.rollout_id ?? currentContext().rolloutId;
      key = await requestKey({ ...request, rollout_id: rolloutId ?? null });
      const hit = useCache.get(key);
      if (hit) {
        const deltas = this.deltaEmitter();
        if (hit.texts[0]) deltas.push(hit.texts[0]);
        deltas.end();
        return { texts: hit.texts, usage: null, cached: true };
      }
    }
    const deltas = this.deltaEmitter();
    let result: { texts: string[]; usage: Usage | null; finishReasons: string[] };
    try {
      result = await this.requestWithRetries(request, deltas.push);
    } finally {
      // Text held back (a possible marker) still goes out, so the deltas always add up to what arrived.
      deltas.end();
    }
    const { texts, usage, finishReasons } = result;
    if (usage) currentContext().usage?.add(this.model, usage);
    if (useCache && key) useCache.set(key, { texts, usage });
    return { texts, usage, cached: false, ...(finishReasons.length ? { finishReasons } : {}) };
  }

  /** Emits the first choice's deltas, split by output field when the calling adapter tracks fields. */
  private deltaEmitter(): { push: (text: string) => void; end: () => void } {
    const fields = currentContext().fieldStream?.();
    if (!fields) return { push: (text) => emitLmDelta(text, this), end: () => {} };
    const emit = (pieces: { text: string; field: string | null }[]) => {
      for (const piece of pieces) emitLmDelta(piece.text, this, piece.field);
    };
    return { push: (text) => emit(fields.push(text)), end: () => emit(fields.end()) };
  }

  private async requestWithRetries(
    request: LMKwargs,
    onDelta: (text: string) => void,
  ): Promise<{ texts: string[]; usage: Usage | null; finishReasons: string[] }> {
    const signal = currentContext().signal;
    const base = this.#options.retryDelayMs ?? 500;
    const cap = this.#options.maxRetryDelayMs ?? 30_000;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const progress = { streamed: false };
      try {
        return await this.attempt(request, progress, onDelta, signal);
      } catch (error) {
        const failure = this.failureOf(error, signal);
        const delay = Math.min(cap, failure.retryAfter ?? base * 2 ** attempt);
        // A retry after tokens were shown would show them twice; one that could
        // not time out within the budget would hold the run past it.
        const overBudget = Date.now() - started + delay + this.firstTokenTimeoutMs > this.retryBudgetMs;
        if (!failure.retryable || progress.streamed || attempt >= this.numRetries || overBudget) {
          const tries = attempt > 0 ? ` (after ${attempt + 1} attempts)` : "";
          const budget =
            failure.retryable && !progress.streamed && attempt < this.numRetries
              ? ` (not retried: a retry could not finish within the ${duration(this.retryBudgetMs)} retry budget)`
              : "";
          throw new LMError(this.redact(failure.message + tries + budget), this.model, failure.status, {
            cause: error,
            retryAfterMs: failure.retryAfter,
          });
        }
        emitLmRetry(
          {
            attempt: attempt + 1,
            // The LMError this attempt's failure would have ended the call with.
            error: { type: "LMError", message: this.redact(failure.message) },
            status: failure.status ?? null,
            wait_ms: delay,
          },
          this,
        );
        try {
          await sleep(delay, signal);
        } catch (reason) {
          throw new LMError(`LM request to ${this.model} was aborted`, this.model, undefined, { cause: reason });
        }
      }
    }
  }

  /** One HTTP request; `progress.streamed` turns true once a token was handed out. */
  private async attempt(
    request: LMKwargs,
    progress: { streamed: boolean },
    onDelta: (text: string) => void,
    outer?: AbortSignal,
  ) {
    const controller = new AbortController();
    const onAbort = () => controller.abort(outer!.reason);
    if (outer?.aborted) onAbort();
    outer?.addEventListener("abort", onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut: string | null = null;
    // Until the first token only the first-token timer runs (role-only chunks do
    // not reset it); after that every chunk counts as a sign of life, so a slow
    // but alive stream is never cut. One timer, re-armed lazily when it fires
    // (a chunk only records its time): a token costs no timer churn.
    let gotToken = false;
    let lastChunkAt = Date.now();
    const arm = (delay: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const ms = gotToken ? this.idleTimeoutMs : this.firstTokenTimeoutMs;
        const silent = Date.now() - lastChunkAt;
        if (silent < ms) return arm(ms - silent);
        timedOut = gotToken
          ? `LM ${this.model} sent nothing for ${duration(ms)} after its last token (between-token timeout)`
          : `LM ${this.model} sent nothing for ${duration(ms)} (no first token; first-token timeout)`;
        controller.abort(new Error("LM timeout"));
      }, delay);
    };
    const n = typeof request.n === "number" && request.n > 1 ? request.n : 1;
    const texts: string[] = Array.from({ length: n }, () => "");
    let usage: Usage | null = null;
    const finished: (string | undefined)[] = [];
    const finish = (index: number, reason: string | null | undefined) => {
      if (reason) finished[index] = reason;
    };
    const deliver = (index: number, delta: string | null | undefined) => {
      if (!delta) return;
      texts[index] = (texts[index] ?? "") + delta;
      // With n > 1 the live text follows the first choice; lm_end carries all.
      if (index === 0) {
        progress.streamed = true;
        onDelta(delta);
      }
    };
    try {
      arm(this.firstTokenTimeoutMs);
      const body = request as unknown as OpenAI.Chat.ChatCompletionCreateParams;
      if (this.#options.stream === false) {
        const completion = await this.#client.chat.completions.create({ ...body, stream: false }, { signal: controller.signal });
        for (const choice of completion.choices) {
          deliver(choice.index, choice.message?.content);
          finish(choice.index, choice.finish_reason);
        }
        usage = usageOf(completion.usage);
      } else {
        // The SDK sends the request and turns HTTP errors into APIError; the
        // stream itself is read with eventsource-parser, far cheaper per chunk
        // than the SDK's iterator (it was the largest item of a token's cost).
        const response = await this.#client.chat.completions
          .create({ ...body, stream: true, stream_options: { include_usage: true } }, { signal: controller.signal })
          .asResponse();
        let done = false;
        const onChunk = (chunk: OpenAI.Chat.ChatCompletionChunk) => {
          const choices = chunk.choices ?? [];
          if (!gotToken && (chunk.usage || choices.some((c) => c.delta?.content || c.finish_reason))) {
            gotToken = true;
            arm(this.idleTimeoutMs);
          }
          if (gotToken) lastChunkAt = Date.now();
          if (chunk.usage) usage = usageOf(chunk.usage);
          for (const choice of choices) {
            deliver(choice.index, choice.delta?.content);
            finish(choice.index, choice.finish_reason);
          }
        };
        const parser = createParser({
          onEvent: (message) => {
            if (done) return;
            if (message.data.startsWith("[DONE]")) return void (done = true);
            // As the SDK's stream: a JSON error object in the stream is the provider's error.
            const data = JSON.parse(message.data) as OpenAI.Chat.ChatCompletionChunk & { error?: unknown; message?: string };
            if (message.event === "error") throw new OpenAI.APIError(undefined, data.error as object, data.message, undefined);
            if (data?.error) throw new OpenAI.APIError(undefined, data.error as object, undefined, response.headers);
            onChunk(data);
          },
        });
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        try {
          for (;;) {
            const { done: ended, value } = await reader.read();
            if (ended) break;
            parser.feed(decoder.decode(value, { stream: true }));
          }
        } finally {
          // Ends the connection when a bad chunk stopped the read early (a no-op after the end).
          reader.cancel().catch(() => {});
        }
        if (controller.signal.aborted) throw controller.signal.reason;
      }
      return { texts, usage, finishReasons: finished.filter((r): r is string => !!r) };
    } catch (error) {
      if (timedOut) throw new AttemptFailure(timedOut, true, undefined, undefined, { cause: error });
      if (outer?.aborted) throw new AttemptFailure(`LM request to ${this.model} was aborted`, false, undefined, undefined, { cause: outer.reason });
      throw error;
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
    }
  }

  private failureOf(error: unknown, signal?: AbortSignal): AttemptFailure {
    if (error instanceof AttemptFailure) return error;
    if (signal?.aborted) return new AttemptFailure(`LM request to ${this.model} was aborted`, false);
    if (error instanceof OpenAI.APIError && error.status !== undefined) {
      const status = error.status;
      const detail = (error.error as { message?: string } | undefined)?.message ?? error.message;
      const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
      return new AttemptFailure(`LM ${this.model} failed with HTTP ${status}: ${detail}`, retryable, status, retryAfterMs(error.headers));
    }
    if (error instanceof OpenAI.APIConnectionError) {
      return new AttemptFailure(`LM ${this.model} could not be reached: ${error.message}`, true);
    }
    const message = error instanceof Error ? error.message : String(error);
    return new AttemptFailure(`LM ${this.model} failed: ${message}`, false);
  }

  private redact(text: string): string {
    const key = this.#apiKey;
    return key && key.length >= 4 ? text.replaceAll(key, "[redacted]") : text;
  }
}

function usageOf(usage: OpenAI.CompletionUsage | null | undefined): Usage | null {
  if (!usage) return null;
  const prompt = usage.prompt_tokens ?? 0;
  const completion = usage.completion_tokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage.total_tokens ?? prompt + completion };
}

function positive(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as T;
}
