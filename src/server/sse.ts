// Server-Sent Events framing and a writer that never blocks the run loop.
// A frame is `id:` (seq), `event:` (type), one `data:` line of JSON; JSON.stringify
// never emits a raw newline, so one line always holds the whole event.
import type { RunEvent } from "../dspy/events";

/** The reconnect delay we suggest to EventSource clients. */
export const RETRY_MS = 2000;
/** Send a comment when the stream was silent this long, so proxies keep it open. */
export const KEEPALIVE_MS = 15_000;
/**
 * A client this many bytes behind is dropped rather than buffered: the backlog
 * lives in the isolate's (or object's) 128 MB, next to the run itself.
 */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;

export const SSE_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no",
} as const;

export function eventFrame(event: RunEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** The frames of `text` (concatenated frames) with seq > after. */
export function framesAfter(text: string, after: number): string {
  let out = "";
  for (const frame of text.split("\n\n")) {
    if (frame && Number(frame.slice(4, frame.indexOf("\n"))) > after) out += frame + "\n\n";
  }
  return out;
}

export const retryFrame = (ms = RETRY_MS) => `retry: ${ms}\n\n`;
export const PING_FRAME = ": ping\n\n";

const encoder = new TextEncoder();

/**
 * Writes SSE text to one client through the Response body it owns
 * (`readable`). Writes are synchronous enqueues, never awaited: a run never
 * waits for a slow or vanished client, and a token costs no promise. The
 * client going away (the body cancelled, or an enqueue refused) marks it gone
 * and calls `onGone` once.
 */
export class SseWriter {
  /** The Response body. */
  readonly readable: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private lastWrite = Date.now();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Replayed bytes: bounded by the log, so they do not count toward the backlog limit. */
  private replayed = 0;
  private gone = false;
  private closed = false;

  constructor(private readonly opts: { keepaliveMs?: number; maxBacklogBytes?: number; onGone?: (reason: unknown) => void } = {}) {
    // highWaterMark 0 with a byte size: desiredSize is minus the bytes queued but not yet taken by the client.
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        cancel: (reason) => this.markGone(reason ?? new Error("the client went away")),
      },
      { highWaterMark: 0, size: (chunk) => chunk.byteLength },
    );
    this.armKeepalive(this.keepaliveMs);
  }

  /** Bytes queued for the client and not yet taken, replay aside. */
  private get backlog(): number {
    return Math.max(0, -(this.controller.desiredSize ?? 0) - this.replayed);
  }

  private get keepaliveMs(): number {
    return this.opts.keepaliveMs ?? KEEPALIVE_MS;
  }

  /** Queues `text`; returns false when the client is gone or too far behind. */
  send(text: string): boolean {
    if (this.gone || this.closed) return false;
    if (this.backlog > (this.opts.maxBacklogBytes ?? MAX_BACKLOG_BYTES)) {
      this.markGone(new Error("subscriber too slow: backlog limit reached"));
      return false;
    }
    this.write(text, true);
    return true;
  }

  /**
   * Queues the stored log for a client that just joined. It is bounded by the
   * log itself, so it does not count toward the backlog: only live events
   * piling up behind it do.
   */
  replay(text: string): void {
    if (!this.gone && !this.closed) this.write(text, false);
  }

  private write(text: string, counted: boolean): void {
    const bytes = encoder.encode(text);
    if (!counted) this.replayed += bytes.byteLength;
    this.lastWrite = Date.now();
    try {
      this.controller.enqueue(bytes);
    } catch (e) {
      this.markGone(e);
    }
  }

  /** Ends the stream after everything queued so far. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopKeepalive();
    if (!this.gone) {
      try {
        this.controller.close();
      } catch {
        // already cancelled by the client
      }
    }
  }

  private markGone(reason: unknown): void {
    if (this.gone) return;
    this.gone = true;
    this.stopKeepalive();
    try {
      this.controller.error(reason);
    } catch {
      // already closed
    }
    this.opts.onGone?.(reason);
  }

  // One timer, re-armed lazily: a write only updates lastWrite, so a token
  // stream costs no timer churn.
  private armKeepalive(delay: number): void {
    this.timer = setTimeout(() => {
      if (this.gone || this.closed) return;
      const idle = Date.now() - this.lastWrite;
      if (idle >= this.keepaliveMs) {
        this.send(PING_FRAME);
        this.armKeepalive(this.keepaliveMs);
      } else {
        this.armKeepalive(this.keepaliveMs - idle);
      }
    }, delay);
  }

  private stopKeepalive(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
