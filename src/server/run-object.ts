// One Durable Object per run (idFromName(run_id)): the run's ordered event log,
// its status, live fan-out to every subscriber, cancel, the alarm that marks a
// run whose driver died `interrupted`, and retention. For durable runs it is
// also the driver.
import { DurableObject } from "cloudflare:workers";
import type { EventOf, FinalStatus, RunEvent } from "../dspy/events";
import { Batcher } from "./batcher";
import { logBatchMs, retentionMs, secretsOf, type ServerEnv } from "./env";
import { framed, frameSize, toLogBatch, type FramedEvent, type LogBatch } from "./log-batch";
import { RunLog, type Appended } from "./run-log";
import { driveRun } from "./run-driver";
import type { AppendResult, Feedback, RunInit, RunSummary } from "./run-types";
import { readFeedback, writeFeedback } from "./run-feedback";
import { SSE_HEADERS, SseWriter, framesAfter, retryFrame } from "./sse";
import { EventStamper } from "./stamper";
import { getProgram } from "../programs/registry";
import { jsonError } from "./api-error";
import { OTLP_MAX_ATTEMPTS, backoffMs, otlpConfig, otlpPayload, sendOtlp } from "./otel-export";
import { TraceExportLog, type TraceExportState } from "./otel-export-state";
import { eventsOfFrames } from "./run-file";

/** While a run is live the alarm fires this often (it also keeps the object resident). */
export const HEARTBEAT_MS = 30_000;
/** An attached/sync driver silent this long is presumed dead (the Worker's grace is 30 s). */
export const DRIVER_TIMEOUT_MS = 45_000;
/** After a cancel, how long the driver gets to write its own `run_end`. */
export const CANCEL_GRACE_MS = 10_000;
/** A batch is sent before its window ends once its frames reach this size (one SQLite row's worth). */
export const MAX_BATCH_CHARS = 512_000;

interface Subscriber {
  sse: SseWriter;
  /** Highest seq this subscriber already has. */
  after: number;
}

/**
 * The durable run this object drives: events go to subscribers the moment
 * they are produced (up to the granted seq) and to storage in batches.
 */
interface DurableDriver {
  abort: AbortController;
  /** Produced but not yet stored, oldest first: a subscriber joining now gets them after the stored log. */
  unstored: FramedEvent[];
  /** Highest seq sent to subscribers. */
  shown: number;
  /** Highest seq subscribers may see before it is stored. */
  granted: number;
}

export class RunObject extends DurableObject<ServerEnv> {
  private readonly log: RunLog;
  private readonly traceExport: TraceExportLog;
  private readonly subscribers = new Set<Subscriber>();
  /** Cancel channels to attached drivers in Worker requests. */
  private readonly controls = new Set<WritableStreamDefaultWriter<Uint8Array>>();
  /** The durable run this instance drives; null when it drives none. */
  private driver: DurableDriver | null = null;

  constructor(ctx: DurableObjectState, env: ServerEnv) {
    super(ctx, env);
    this.log = new RunLog(ctx.storage.sql);
    this.traceExport = new TraceExportLog(ctx.storage.sql);
  }

  /** Creates the run; throws if the id is taken (ids are random, so that is a bug). */
  async init(init: RunInit): Promise<void> {
    if (this.log.exists()) throw new Error(`run ${init.run_id} already exists`);
    const now = Date.now();
    this.log.init(init, now);
    await this.ctx.storage.setAlarm(now + HEARTBEAT_MS);
    // Listings are a convenience: neither the run nor its first byte waits for the index.
    this.ctx.waitUntil(
      this.index(init.program)
        .recordStart({ run_id: init.run_id, mode: init.mode, model: init.model, inputs: init.inputs, started_at: now })
        .catch((e) => console.error(`run ${init.run_id}: program index not updated at start`, e)),
    );
  }

  summary(): RunSummary | null {
    const run = this.log.summary();
    return run && { ...run, feedback: readFeedback(this.ctx.storage.sql) };
  }

  /** Stores a person's feedback on the run (any status) and copies it to the program index. */
  async setFeedback(feedback: Feedback): Promise<RunSummary | null> {
    const run = this.log.summary();
    if (!run) return null;
    writeFeedback(this.ctx.storage.sql, feedback);
    await this.index(run.program).recordFeedback(run.run_id, feedback);
    return this.summary();
  }

  /** Appends events (the log's own framing): tests and tools that hold events rather than a batch. */
  async append(events: RunEvent[]): Promise<AppendResult> {
    return this.appendBatch(toLogBatch(events.map(framed)));
  }

  /**
   * Appends the next events of the log (seq continuing it; re-sent ones are
   * ignored), fans them out, and tells the driver whether to stop and how far
   * ahead of the log it may show its client events. An empty batch is a heartbeat.
   */
  async appendBatch(batch: LogBatch): Promise<AppendResult> {
    let stored: Appended | null;
    try {
      stored = this.log.append(batch, Date.now());
    } catch (e) {
      const run = this.log.state()!;
      return { last_seq: run.last_seq, granted_seq: run.granted_seq, cancel: false, finished: false, rejected: (e as Error).message };
    }
    if (!stored) throw new Error("append: no such run");
    const reply = { last_seq: stored.last, granted_seq: stored.granted, cancel: stored.cancelRequested };
    if (stored.closed) return { ...reply, cancel: false, finished: true, closed_before: true, end_json: this.log.lastEventJson() ?? undefined };
    if (stored.frames) this.fanOut(stored.frames, stored.first, stored.last);
    const ended = !!batch.end && batch.end.seq >= stored.first && stored.frames !== "";
    if (ended) this.finished(batch.end!);
    return { ...reply, finished: ended };
  }

  /** A stream that receives `cancel\n` when the run is cancelled: the attached driver's abort line. */
  control(): ReadableStream<Uint8Array> {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    if (this.log.state()?.cancel_requested_at != null) {
      writer.write(new TextEncoder().encode("cancel\n")).catch(() => {});
      writer.close().catch(() => {});
    } else {
      this.controls.add(writer);
      writer.closed.catch(() => {}).finally(() => this.controls.delete(writer));
    }
    return readable;
  }

  /** Starts a durable run driven by this object; returns once it is recorded. */
  async startDurable(init: RunInit): Promise<void> {
    const program = getProgram(init.program);
    if (!program) throw new Error(`unknown program ${init.program}`);
    await this.init(init);
    const driver: DurableDriver = { abort: new AbortController(), unstored: [], shown: 0, granted: this.log.state()!.granted_seq };
    const batcher = new Batcher<FramedEvent>(
      async (items) => {
        const stored = this.storeDurable(driver, items);
        return stored ? undefined : "stop";
      },
      { windowMs: logBatchMs(this.env), maxBatchSize: MAX_BATCH_CHARS, sizeOf: frameSize },
    );
    this.driver = driver;
    driveRun({
      runId: init.run_id,
      program,
      inputs: init.inputs,
      env: this.env,
      signal: driver.abort.signal,
      emit: (event) => {
        const item = framed(event);
        driver.unstored.push(item);
        this.showDurable(driver);
        batcher.push(item);
      },
    })
      .then(() => batcher.drain())
      .catch((e) => console.error(`durable run ${init.run_id}: driver failed`, e))
      .finally(() => {
        if (this.driver === driver) this.driver = null;
      });
    // Not waitUntil: the object stays alive through its alarm heartbeat, and an
    // eviction must be able to cut the driver (the alarm then marks it interrupted).
  }

  /** Sends subscribers the durable run's produced events they lack, up to the granted seq. */
  private showDurable(driver: DurableDriver): void {
    let text = "";
    let first = 0;
    for (const { event, frame } of driver.unstored) {
      if (event.seq <= driver.shown) continue;
      if (event.seq > driver.granted) break;
      if (!first) first = event.seq;
      text += frame;
      driver.shown = event.seq;
    }
    if (text) this.fanOut(text, first, driver.shown);
  }

  /** Stores a durable batch; false once the log is closed. */
  private storeDurable(driver: DurableDriver, items: FramedEvent[]): boolean {
    const batch = toLogBatch(items);
    const stored = this.log.append(batch, Date.now());
    if (!stored || stored.closed) return false;
    const last = items[items.length - 1].event.seq;
    driver.unstored = driver.unstored.filter((i) => i.event.seq > last);
    driver.granted = stored.granted;
    // Fan-out happened at emit time; events held back by the grant go now.
    this.showDurable(driver);
    if (batch.end) this.finished(batch.end);
    return !batch.end;
  }

  /** The summary and every stored frame: what an export or the OTLP view reads. */
  exportLog(): { summary: RunSummary | null; frames: string } {
    return { summary: this.summary(), frames: this.log.framesAfter(0) };
  }

  /**
   * Creates this run from an imported, validated log already stamped with this
   * run's id: finished, read-only, kept for the retention period from now, and
   * not in the program's index (it ran elsewhere).
   */
  async importLog(init: RunInit, createdAt: number, events: RunEvent[]): Promise<void> {
    if (this.log.exists()) throw new Error(`run ${init.run_id} already exists`);
    this.log.init(init, createdAt);
    this.log.append(toLogBatch(events.map(framed)), Date.now());
    await this.ctx.storage.setAlarm(Date.now() + retentionMs(this.env));
  }

  /** Requests cancellation; the driver writes `run_end` (or the alarm does, after a grace). */
  async cancel(): Promise<RunSummary | null> {
    const run = this.summary();
    if (!run || run.status !== "running") return run;
    const now = Date.now();
    this.log.requestCancel(now);
    this.driver?.abort.abort(new DOMException("The run was cancelled", "AbortError"));
    const line = new TextEncoder().encode("cancel\n");
    for (const writer of this.controls) {
      writer.write(line).catch(() => {});
      writer.close().catch(() => {});
    }
    this.controls.clear();
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > now + CANCEL_GRACE_MS) await this.ctx.storage.setAlarm(now + CANCEL_GRACE_MS);
    return this.summary();
  }

  /** GET /events?after=N: replay everything after N, then live events until run_end. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/events") return jsonError(404, "not_found", `No route ${url.pathname} on a run`);
    const run = this.log.state();
    if (!run) return jsonError(404, "run_not_found", "No such run (it may have expired)");
    const after = Number(url.searchParams.get("after") ?? "0");
    // Nothing left to send, ever: 204 is the one answer that stops a plain
    // EventSource from reconnecting (it would otherwise retry every few seconds forever).
    if (run.status !== "running" && after >= run.last_seq) return new Response(null, { status: 204 });
    const subscriber: Subscriber = { sse: undefined as unknown as SseWriter, after: 0 };
    subscriber.sse = new SseWriter({ onGone: () => this.subscribers.delete(subscriber) });
    subscriber.sse.send(retryFrame());
    // Replay and registration happen in one synchronous turn: nothing can be
    // stored or shown in between, so the live part continues exactly where replay ended.
    let replay = this.log.framesAfter(after);
    let have = run.last_seq;
    // A durable run shows events before it stores them: those come right after the stored log.
    const driver = run.status === "running" ? this.driver : null;
    if (driver) {
      for (const { event, frame } of driver.unstored) {
        if (event.seq > after && event.seq <= driver.shown) replay += frame;
      }
      have = Math.max(have, driver.shown);
    }
    subscriber.after = Math.max(after, have);
    if (replay) subscriber.sse.replay(replay);
    if (run.status === "running") this.subscribers.add(subscriber);
    else subscriber.sse.close();
    return new Response(subscriber.sse.readable, { headers: SSE_HEADERS });
  }

  override async alarm(): Promise<void> {
    const run = this.log.state();
    if (!run) return;
    const now = Date.now();
    if (run.status !== "running") {
      const expires = (run.ended_at ?? now) + retentionMs(this.env);
      if (now >= expires) {
        this.log.deleteAll();
        this.traceExport.drop();
        return;
      }
      const retryAt = await this.exportTrace(now);
      await this.ctx.storage.setAlarm(retryAt === null ? expires : Math.min(retryAt, expires));
      return;
    }
    const cancelAt = run.cancel_requested_at;
    if (cancelAt !== null && now - cancelAt >= CANCEL_GRACE_MS) {
      return this.finalize("cancelled", "RunCancelled", "The run was cancelled; its driver did not stop in time.");
    }
    const driverAlive = this.driver !== null || (run.mode !== "durable" && now - run.last_seen < DRIVER_TIMEOUT_MS);
    if (driverAlive) {
      await this.ctx.storage.setAlarm(now + (cancelAt !== null ? CANCEL_GRACE_MS : HEARTBEAT_MS));
      return;
    }
    const why =
      run.mode === "durable"
        ? "The object driving this run was restarted (evicted or redeployed) before the run finished."
        : "The request driving this run stopped (its client left and the platform ended it) before the run finished.";
    await this.finalize("interrupted", "RunInterrupted", why);
  }

  /**
   * Writes `run_end` on behalf of a driver that is gone. A driver shows its
   * client events before the log stores them, so the client may hold seqs the
   * log never got: run_end is numbered past every seq the driver was granted,
   * and any client resuming from what it saw still receives it.
   */
  private async finalize(status: FinalStatus, type: string, message: string): Promise<void> {
    const run = this.log.summary()!;
    const state = this.log.state()!;
    const shown = this.driver ? this.driver.shown : state.granted_seq;
    const seq = Math.max(run.events, shown) + 1;
    const stamper = new EventStamper(run.run_id, secretsOf(this.env), seq - 1);
    const now = Date.now();
    const end = stamper.stamp(
      { type: "run_end", status, outputs: null, error: { type, message }, usage: run.usage, duration_ms: now - run.created_at },
      now,
    ) as EventOf<"run_end">;
    const item = framed(end);
    // Called for a running log only (the alarm checked), so it is stored.
    const stored = this.log.append(toLogBatch([item]), now, seq)!;
    this.fanOut(stored.frames, seq, seq);
    this.finished(end);
  }

  /** Sends `frames` (seqs first..last) to every subscriber, less what each already has. */
  private fanOut(frames: string, first: number, last: number): void {
    for (const sub of this.subscribers) {
      if (sub.after >= last) continue;
      // A subscriber that joined with a Last-Event-ID beyond the stored log
      // (it saw those events on the attached stream) gets only what it lacks.
      const text = sub.after < first ? frames : framesAfter(frames, sub.after);
      sub.sse.send(text);
      sub.after = last;
    }
  }

  /** The log is closed: stop the driver, close every stream, record the end in the index, keep the log for retention. */
  private finished(end: EventOf<"run_end">): void {
    const run = this.log.summary()!;
    this.driver?.abort.abort(new DOMException("The run already ended", "AbortError"));
    for (const writer of this.controls) writer.close().catch(() => {});
    this.controls.clear();
    for (const sub of this.subscribers) sub.sse.close();
    this.subscribers.clear();
    // The trace goes out from the alarm, never from this append: a slow collector must not slow the run's end.
    const exporting = otlpConfig(this.env) !== null;
    if (exporting) this.traceExport.schedule(Date.now());
    this.ctx.waitUntil(
      Promise.all([
        this.index(run.program)
          .recordEnd({
            run_id: run.run_id, status: end.status, ended_at: end.ts, duration_ms: end.duration_ms,
            usage: end.usage, error: end.error, outputs: end.outputs, lm_calls: run.counts.lm_end ?? 0,
          })
          .catch((e) => console.error(`run ${run.run_id}: program index not updated`, e)),
        this.ctx.storage.setAlarm(exporting ? Date.now() : end.ts + retentionMs(this.env)),
      ]),
    );
  }

  /** Where this run's OTLP export stands; null when none was scheduled. */
  traceExportState(): TraceExportState | null {
    return this.traceExport.state();
  }

  /**
   * Sends the run's trace when an attempt is due; returns when to try again
   * (null: sent, given up, or nothing to send). Failures back off exponentially.
   */
  private async exportTrace(now: number): Promise<number | null> {
    const state = this.traceExport.state();
    const config = otlpConfig(this.env);
    if (!state || state.status !== "pending" || !config) return null;
    if (state.next_at !== null && state.next_at > now) return state.next_at;
    const attempts = state.attempts + 1;
    const run = this.log.summary()!;
    const result = await sendOtlp(config, JSON.stringify(otlpPayload(eventsOfFrames(this.log.framesAfter(0)), this.env)));
    if (result.ok) {
      this.traceExport.sent(Date.now(), attempts);
      return null;
    }
    const retryAt = result.retry && attempts < OTLP_MAX_ATTEMPTS ? Date.now() + backoffMs(attempts, result.retryAfterMs) : null;
    this.traceExport.failed(attempts, result.error, retryAt);
    console.warn(`run ${run.run_id}: trace export attempt ${attempts} failed (${retryAt === null ? "giving up" : "will retry"}): ${result.error}`);
    return retryAt;
  }

  private index(program: string) {
    return this.env.PROGRAM_INDEX.get(this.env.PROGRAM_INDEX.idFromName(program));
  }
}
