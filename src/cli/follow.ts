// Follows one run's events to its run_end: from the response that started it (attached run), then —
// after a drop or when continuing a run — from `GET /api/runs/{id}/events` with `Last-Event-ID` set to
// the last seq seen. Events are handed on once each, in seq order; overlap after a resume is dropped.
import { createParser } from "eventsource-parser";
import { RunEvent } from "../dspy/events";
import { CliError, EXIT } from "./errors";
import { NetworkError, ServerError, networkProblem, type Server } from "./http";

/** One frame as it arrived: its raw JSON text (for --json) and the event, when it matches the schema. */
export interface Arrival {
  raw: string;
  seq: number;
  type: string;
  /** null when the event does not match this client's schema (a newer server's event type). */
  event: RunEvent | null;
  data: Record<string, unknown>;
}

export interface FollowOptions {
  /** Seq already seen: resume after it. */
  after?: number;
  onEvent: (arrival: Arrival) => void;
  /** A drop was noticed and a reconnect is coming; `attempt` counts from 1. */
  onReconnect?: (info: { attempt: number; after: number; reason: string; waitMs: number }) => void;
  signal?: AbortSignal;
}

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];
/** Reconnects in a row that bring nothing new before giving up (about half a minute of trying). */
const MAX_ATTEMPTS = 8;

export interface FollowResult {
  lastSeq: number;
  /** The run_end event, or null when the run was already over (a 204 after `after`). */
  end: Extract<RunEvent, { type: "run_end" }> | null;
}

export async function followRun(server: Server, runId: string, first: Response | null, options: FollowOptions): Promise<FollowResult> {
  let lastSeq = options.after ?? 0;
  let end: FollowResult["end"] = null;
  let attempts = 0;
  let response = first;
  for (;;) {
    let reason = "the stream ended before run_end";
    try {
      response ??= await server.request(`/api/runs/${encodeURIComponent(runId)}/events`, {
        what: `following run ${runId}`,
        headers: { accept: "text/event-stream", ...(lastSeq > 0 ? { "last-event-id": String(lastSeq) } : {}) },
        signal: options.signal,
      });
      // 204: the run is over and nothing is left after lastSeq.
      if (response.status === 204) return { lastSeq, end };
      const before = lastSeq;
      await readFrames(response, options.signal, (raw) => {
        const arrival = parseFrame(raw, runId);
        if (!arrival || arrival.seq <= lastSeq) return;
        lastSeq = arrival.seq;
        if (arrival.event?.type === "run_end") end = arrival.event;
        try {
          options.onEvent(arrival);
        } catch (error) {
          throw new HandlerError(error);
        }
      });
      if (lastSeq > before) attempts = 0;
    } catch (e) {
      if (options.signal?.aborted) throw e;
      // Our own handler failed (a full disk, a closed stdout): not the network's fault.
      if (e instanceof HandlerError) throw e.cause;
      // The server said no (404, 401…): retrying cannot help. A 5xx (a restart) or no answer may pass.
      const transient = e instanceof NetworkError || (e instanceof ServerError && e.status >= 500);
      if (e instanceof CliError && !transient) throw e;
      reason = e instanceof CliError ? e.message : networkProblem(e, server.base);
    }
    response = null;
    if (end) return { lastSeq, end };
    attempts++;
    if (attempts > MAX_ATTEMPTS) {
      throw new CliError(
        `Lost run ${runId} after seq ${lastSeq}: ${reason}. Continue it later with: dspy-edge call --resume ${runId}`,
        EXIT.server,
      );
    }
    const waitMs = BACKOFF_MS[Math.min(attempts - 1, BACKOFF_MS.length - 1)];
    options.onReconnect?.({ attempt: attempts, after: lastSeq, reason, waitMs });
    await pause(waitMs, options.signal);
  }
}

class HandlerError extends Error {
  constructor(override readonly cause: unknown) {
    super("an event handler failed", { cause });
  }
}

/** Waits, unless the signal aborts first (then throws its reason, as fetch would). */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((ok, fail) => {
    if (signal?.aborted) return fail(signal.reason);
    const done = () => {
      clearTimeout(timer);
      fail(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", done);
      ok();
    }, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Feeds the body to a real SSE parser; returns when the body ends (or throws when it breaks). */
async function readFrames(response: Response, signal: AbortSignal | undefined, onData: (data: string) => void): Promise<void> {
  if (!response.body) return;
  const parser = createParser({ onEvent: (m) => onData(m.data) });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const stop = () => reader.cancel().catch(() => undefined);
  signal?.addEventListener("abort", stop, { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } finally {
    signal?.removeEventListener("abort", stop);
  }
}

/** One SSE data line as an Arrival; null when it is not an event of this run. */
export function parseFrame(raw: string, runId: string): Arrival | null {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null; // not an event (nothing the server sends today)
  }
  const record = data as Record<string, unknown>;
  if (typeof record?.seq !== "number" || typeof record.type !== "string") return null;
  if (typeof record.run_id === "string" && record.run_id !== runId) return null;
  const parsed = RunEvent.safeParse(data);
  return { raw, seq: record.seq, type: record.type, event: parsed.success ? parsed.data : null, data: record };
}
