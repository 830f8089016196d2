// Shared test helpers: a real SSE parser over responses, scripted programs
// (the program-level LM override with the fake OpenAI endpoint), gates that
// hold an LM call open so a test can act mid-run, and direct access to the app
// with a modified env.
import { env, exports } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterEach, expect } from "vitest";
import type { RunEvent } from "../../src/dspy/events";
import { LM } from "../../src/dspy/lm";
import type { Module } from "../../src/dspy/module";
import { fakeOpenAIFetch, type FakeResponder, type FakeOpenAIOptions } from "../../src/dspy/utils/fake-openai";
import { defineProgram, type Program } from "../../src/programs/define";
import { registerProgram, unregisterProgram } from "../../src/programs/registry";
import app from "../../src/index";
import type { ServerEnv } from "../../src/server/env";
import type { RunSummary } from "../../src/server/run-types";
import { SEQ_GRANT_AHEAD } from "../../src/server/log-batch";

export interface Frame {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

export interface SseReading {
  frames: Frame[];
  events: RunEvent[];
  comments: string[];
  retry: number | undefined;
}

/** Parses SSE text with a real parser (eventsource-parser). */
export function parseSse(text: string): SseReading {
  const out: SseReading = { frames: [], events: [], comments: [], retry: undefined };
  const parser = createParser({
    onEvent: (m: EventSourceMessage) => {
      out.frames.push({ id: m.id, event: m.event, data: m.data });
      out.events.push(JSON.parse(m.data));
    },
    onComment: (c) => out.comments.push(c),
    onRetry: (r) => (out.retry = r),
  });
  parser.feed(text);
  return out;
}

/**
 * Reads an SSE response incrementally. `stopWhen` may end reading early (the
 * reader is cancelled, as a browser that goes away); otherwise reads to the end.
 */
export async function readSse(res: Response, stopWhen?: (e: RunEvent, all: RunEvent[]) => boolean): Promise<SseReading> {
  const out: SseReading = { frames: [], events: [], comments: [], retry: undefined };
  let stop = false;
  const parser = createParser({
    onEvent: (m) => {
      if (stop) return;
      const e = JSON.parse(m.data) as RunEvent;
      out.frames.push({ id: m.id, event: m.event, data: m.data });
      out.events.push(e);
      if (stopWhen?.(e, out.events)) stop = true;
    },
    onComment: (c) => out.comments.push(c),
    onRetry: (r) => (out.retry = r),
  });
  if (!res.body) return out; // 204: a finished run with nothing after the resume point
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
    if (stop) {
      await reader.cancel();
      break;
    }
  }
  return out;
}

export const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  exports.default.fetch(`http://test${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

export const get = (path: string, headers: Record<string, string> = {}) =>
  exports.default.fetch(`http://test${path}`, { headers });

/** Calls the app with env overrides (API_TOKEN, OPENAI_API_KEY…), waiting for its background work. */
export async function fetchWithEnv(overrides: Partial<ServerEnv>, path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`http://test${path}`, init), { ...env, ...overrides } as ServerEnv, ctx);
  const body = await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return new Response(res.status === 204 || res.status === 304 ? null : body, res);
}

let counter = 0;

export interface Scripted {
  program: Program;
  name: string;
  /** Every request the scripted LM received. */
  requests: ReturnType<typeof fakeOpenAIFetch>["requests"];
  /** Whether each LM request (in order) was aborted; recorded inside the request's own context. */
  aborted: boolean[];
  remove(): void;
}

/** Registers a program whose LM is the fake OpenAI endpoint scripted by `respond`. */
export function scriptedProgram(
  module: () => Module,
  respond: FakeResponder,
  options: FakeOpenAIOptions & { model?: string; apiKey?: (env: ServerEnv) => string | undefined } = {},
): Scripted {
  const name = `t${++counter}-${Math.random().toString(36).slice(2, 8)}`;
  const fake = fakeOpenAIFetch(respond, options);
  const aborted: boolean[] = [];
  const fetchSpy = ((input: RequestInfo | URL, init?: RequestInit) => {
    const i = aborted.push(false) - 1;
    init?.signal?.addEventListener("abort", () => (aborted[i] = true), { once: true });
    return fake(input, init);
  }) as typeof fetch;
  const program = registerProgram(
    defineProgram({
      name,
      description: "scripted test program",
      module,
      lm: (e) =>
        new LM(options.model ?? "scripted-model", {
          apiKey: options.apiKey?.(e as ServerEnv) ?? "sk-test",
          baseURL: "https://scripted.invalid/v1",
          fetch: fetchSpy,
          numRetries: 0,
        }),
    }),
  );
  return { program, name, requests: fake.requests, aborted, remove: () => unregisterProgram(name) };
}

/** `scriptedProgram` for one test file: every program it registers is removed after each test. */
export function scriptedPrograms(): typeof scriptedProgram {
  const made: Scripted[] = [];
  afterEach(() => {
    for (const s of made.splice(0)) s.remove();
  });
  return (...args) => {
    const s = scriptedProgram(...args);
    made.push(s);
    return s;
  };
}

/** A promise with its resolver: an LM call that waits on it stays open until the test says so. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/** A responder that answers `reply` only once `open()` is called: the run waits inside its LM call until then. */
export function heldReply(reply: string): { respond: FakeResponder; open: () => void } {
  const g = gate();
  return {
    respond: async () => {
      await g.wait;
      return reply;
    },
    open: g.open,
  };
}

/** A ChatAdapter completion for the given fields. */
export function chat(fields: Record<string, string | number>): string {
  return Object.entries(fields).map(([k, v]) => `[[ ## ${k} ## ]]\n${v}\n\n`).join("") + "[[ ## completed ## ]]";
}

/** The stored event log of a run, as replayed from the start. */
export async function replay(runId: string, after?: number): Promise<SseReading> {
  const res = await get(`/api/runs/${runId}/events${after !== undefined ? `?after=${after}` : ""}`);
  return readSse(res);
}

/** Waits until `predicate` holds, polling the run's status (no wall-clock assertions: only a bound). */
export async function until<T>(probe: () => Promise<T>, predicate: (t: T) => boolean, what: string, tries = 400): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (predicate(value)) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function seqs(events: { seq: number }[]): number[] {
  return events.map((e) => e.seq);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** A run object's summary (RPC typing cannot express its `unknown` values, so it is cast here once). */
export async function summaryOf(stub: { summary(): unknown }): Promise<RunSummary | null> {
  return (await stub.summary()) as RunSummary | null;
}

/** What a client got before it dropped and after it resumed: together exactly the finished log, in order, nothing twice. */
export async function expectWholeLog(runId: string, before: RunEvent[], after: RunEvent[]): Promise<void> {
  const union = [...before, ...after];
  expect(seqs(union)).toEqual(range(1, union.length));
  expect(union.at(-1)).toMatchObject({ type: "run_end", status: "succeeded" });
  expect(union).toEqual((await replay(runId)).events);
}

/**
 * A log the object closed for a dead driver: events 1..n stored in order, then
 * run_end numbered past the seqs the driver was granted (its client may hold
 * those), so any client resuming from what it saw still receives it.
 */
export function expectClosedByObject(events: RunEvent[]): void {
  const stored = events.slice(0, -1);
  expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
  expect(events.at(-1)).toMatchObject({ type: "run_end", seq: stored.length + SEQ_GRANT_AHEAD + 1 });
}
