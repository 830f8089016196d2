// Keeps a RunState fed with its run's events until run_end, across drops.
// Sources: the body of `POST /{program}/stream` (attached run), then — after any
// drop — `GET /api/runs/{id}/events` resumed after the last applied seq: by a
// plain EventSource (whose own retries send Last-Event-ID), or, when a bearer
// token is needed (EventSource cannot send headers), by fetch with Last-Event-ID.
import { createParser } from "eventsource-parser";
import { EVENT_TYPES, RunEvent } from "../dspy/events";
import { authHeaders, eventsUrl, getRun, ApiError } from "./api";
import { apiToken } from "./prefs";
import type { RunState } from "./run-state";

export type ConnectionState = "connecting" | "live" | "reconnecting" | "done" | "lost";

export interface ConnectionOptions {
  onState: (state: ConnectionState, detail?: string) => void;
}

const BACKOFF_MS = [300, 1000, 2000, 4000, 8000];

export class RunConnection {
  private source: EventSource | null = null;
  private reader: AbortController | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private attempts = 0;
  private closed = false;
  private state: ConnectionState = "connecting";
  private readonly onOffline = () => this.drop("offline");
  private readonly onOnline = () => {
    if (this.state === "reconnecting") this.resumeNow();
  };

  constructor(
    readonly run: RunState,
    private readonly options: ConnectionOptions,
  ) {
    window.addEventListener("offline", this.onOffline);
    window.addEventListener("online", this.onOnline);
  }

  /** Reads an already-open SSE response (the attached run's POST), then resumes if it ends early. */
  attach(response: Response, controller: AbortController): void {
    this.reader = controller;
    this.setState("live");
    void this.readBody(response, controller).then(() => this.afterSourceEnded(controller));
  }

  /** Replays the run after what is already applied, then follows it live. */
  resume(): void {
    this.setState(this.run.lastSeq > 0 ? "reconnecting" : "connecting");
    this.resumeNow();
  }

  close(): void {
    this.closed = true;
    this.stopSources();
    window.removeEventListener("offline", this.onOffline);
    window.removeEventListener("online", this.onOnline);
  }

  private setState(state: ConnectionState, detail?: string): void {
    if (this.closed && state !== "done" && state !== "lost") return;
    this.state = state;
    this.options.onState(state, detail);
  }

  private stopSources(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.source?.close();
    this.source = null;
    this.reader?.abort();
    this.reader = null;
  }

  private ingest(data: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      console.warn("dspy-edge: an SSE frame is not JSON", data.slice(0, 200));
      return;
    }
    const parsed = RunEvent.safeParse(raw);
    if (!parsed.success) {
      // Still applied when it has a seq: dropping it would leave a gap that blocks every later event.
      console.warn("dspy-edge: event does not match the schema", parsed.error.issues, raw);
      if (typeof (raw as { seq?: unknown })?.seq !== "number") return;
    }
    this.run.apply((parsed.success ? parsed.data : raw) as RunEvent);
    if (this.run.done) this.end("done");
  }

  /** For good: close() stops the sources; setState still reports these two once closed. */
  private end(state: "done" | "lost", detail?: string): void {
    this.close();
    this.setState(state, detail);
  }

  /** A drop noticed by the page (offline) or by a source: stop it and come back after the last seq. */
  private drop(reason: string): void {
    if (this.closed || this.run.done) return;
    this.stopSources();
    this.setState("reconnecting", reason);
    this.scheduleResume();
  }

  private afterSourceEnded(controller: AbortController): void {
    if (this.reader !== controller) return; // superseded by a newer source
    this.reader = null;
    if (!this.run.done && !this.closed) this.drop("stream ended before run_end");
  }

  private scheduleResume(): void {
    if (this.closed || this.retryTimer) return;
    // Offline: wait for the browser's online event rather than burning retries.
    if (!navigator.onLine) return;
    const delay = BACKOFF_MS[Math.min(this.attempts, BACKOFF_MS.length - 1)];
    this.attempts++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.checkThenResume();
    }, delay);
  }

  /** After repeated failures, ask whether the run still exists before trying again. */
  private async checkThenResume(): Promise<void> {
    if (this.attempts >= 3) {
      try {
        await getRun(this.run.runId);
      } catch (e) {
        if (e instanceof ApiError && (e.status === 404 || e.status === 401)) {
          this.end("lost", e.message);
          return;
        }
      }
    }
    this.resumeNow();
  }

  private resumeNow(): void {
    if (this.closed || this.run.done) return;
    this.stopSources();
    if (apiToken()) this.resumeWithFetch();
    else this.resumeWithEventSource();
  }

  private resumeWithEventSource(): void {
    const source = new EventSource(eventsUrl(this.run.runId, this.run.lastSeq));
    this.source = source;
    const onFrame = (e: MessageEvent<string>) => {
      if (this.source === source) this.ingest(e.data);
    };
    for (const type of EVENT_TYPES) source.addEventListener(type, onFrame);
    source.onmessage = onFrame;
    source.onopen = () => {
      this.attempts = 0;
      this.setState("live");
    };
    source.onerror = () => {
      if (this.source !== source || this.run.done) return;
      if (source.readyState === EventSource.CONNECTING) {
        // The browser retries by itself, sending Last-Event-ID; applying by seq drops any overlap.
        this.setState("reconnecting", "connection lost");
      } else {
        this.drop("connection closed");
      }
    };
  }

  private resumeWithFetch(): void {
    const controller = new AbortController();
    this.reader = controller;
    const lastSeq = this.run.lastSeq;
    void fetch(eventsUrl(this.run.runId, 0), {
      headers: { ...authHeaders(), accept: "text/event-stream", ...(lastSeq ? { "last-event-id": String(lastSeq) } : {}) },
      signal: controller.signal,
    })
      .then(async (res) => {
        if (!res.ok) throw new ApiError(res.status, `http_${res.status}`, `resuming: HTTP ${res.status}`);
        this.attempts = 0;
        this.setState("live");
        await this.readBody(res, controller);
      })
      .catch(() => undefined)
      .then(() => this.afterSourceEnded(controller));
  }

  private async readBody(response: Response, controller: AbortController): Promise<void> {
    if (!response.body) return;
    const parser = createParser({ onEvent: (msg) => this.reader === controller && this.ingest(msg.data) });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || controller.signal.aborted) break;
        parser.feed(value);
      }
    } catch {
      // A network drop or our own abort: afterSourceEnded decides what comes next.
    } finally {
      reader.cancel().catch(() => undefined);
    }
  }
}
