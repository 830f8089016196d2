// One Durable Object per run (idFromName(run_id)): the run's ordered event log,
// its status, live fan-out to every subscriber, cancel, the alarm that marks a
// run whose driver died `interrupted`, and retention. For durable runs it is
// also the driver.
import { DurableObject } from "cloudflare:workers";
import type { FinalStatus, RunEvent } from "../dspy/events";
import { Batcher } from "./batcher";
import { retentionMs, secretsOf, type ServerEnv } from "./env";
import { RunLog } from "./run-log";
import { driveRun } from "./run-driver";
import type { AppendResult, Feedback, RunInit, RunSummary } from "./run-types";
import { readFeedback, writeFeedback } from "./run-feedback";
import { SSE_HEADERS, SseWriter, framesAfter, retryFrame } from "./sse";
import { EventStamper } from "./stamper";
import { getProgram } from "../programs/registry";
import { jsonError } from "./api-error";

/** While a run is live the alarm fires this often (it also keeps the object resident). */
export const HEARTBEAT_MS = 30_000;
/** An attached/sync driver silent this long is presumed dead (the Worker's grace is 30 s). */
export const DRIVER_TIMEOUT_MS = 45_000;
/** After a cancel, how long the driver gets to write its own `run_end`. */
export const CANCEL_GRACE_MS = 10_000;
/** Batch window for a durable run's own events (tokens coalesce into one row). */
const DURABLE_BATCH_GAP_MS = 25;

interface Subscriber {
  sse: SseWriter;
  /** Highest seq this subscriber already has. */
  after: number;
}

export class RunObject extends DurableObject<ServerEnv> {
  private readonly log: RunLog;
  private readonly subscribers = new Set<Subscriber>();
  /** Cancel channels to attached drivers in Worker requests. */
  private readonly controls = new Set<WritableStreamDefaultWriter<Uint8Array>>();
  /** Aborts the durable run this instance drives; null when it drives none. */
  private driver: AbortController | null = null;

  constructor(ctx: DurableObjectState, env: ServerEnv) {
    super(ctx, env);
    this.log = new RunLog(ctx.storage.sql);
  }

  /** Creates the run; throws if the id is taken (ids are random, so that is a bug). */
  async init(init: RunInit): Promise<void> {
    if (this.log.exists()) throw new Error(`run ${init.run_id} already exists`);
    const now = Date.now();
    this.log.init(init, now);
    await this.ctx.storage.setAlarm(now + HEARTBEAT_MS);
    try {
      await this.index(init.program).recordStart({
        run_id: init.run_id, mode: init.mode, model: init.model, inputs: init.inputs, started_at: now,
      });
    } catch (e) {
      // Listings are a convenience: a run never fails because its index could not be written.
      console.error(`run ${init.run_id}: program index not updated at start`, e);
    }
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

  /**
   * Appends the next events of the log (seq continuing it; re-sent ones are
   * ignored), fans them out, and tells the driver whether to stop. An empty
   * batch is a heartbeat.
   */
  async append(events: RunEvent[]): Promise<AppendResult> {
    const run = this.log.state();
    if (!run) throw new Error("append: no such run");
    if (run.status !== "running") return { last_seq: run.last_seq, cancel: false, finished: true };
    let appended: ReturnType<RunLog["append"]>;
    try {
      appended = this.log.append(events, Date.now());
    } catch (e) {
      return { last_seq: run.last_seq, cancel: false, finished: false, rejected: (e as Error).message };
    }
    const { frames, stored } = appended;
    if (stored.length > 0) this.fanOut(stored, frames);
    const end = stored.find((e) => e.type === "run_end");
    if (end && end.type === "run_end") await this.finished(end);
    return { last_seq: stored.at(-1)?.seq ?? run.last_seq, cancel: run.cancel_requested_at !== null, finished: !!end };
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
    const abort = new AbortController();
    const batcher = new Batcher<RunEvent>(
      async (events) => ((await this.append(events)).finished ? "stop" : undefined),
      { minGapMs: DURABLE_BATCH_GAP_MS },
    );
    driveRun({
      runId: init.run_id,
      program,
      inputs: init.inputs,
      env: this.env,
      signal: abort.signal,
      emit: (event) => batcher.push(event),
    })
      .then(() => batcher.drain())
      .catch((e) => console.error(`durable run ${init.run_id}: driver failed`, e))
      .finally(() => {
        this.driver = null;
      });
    // Not waitUntil: the object stays alive through its alarm heartbeat, and an
    // eviction must be able to cut the driver (the alarm then marks it interrupted).
    this.driver = abort;
  }

  /** Requests cancellation; the driver writes `run_end` (or the alarm does, after a grace). */
  async cancel(): Promise<RunSummary | null> {
    const run = this.summary();
    if (!run || run.status !== "running") return run;
    const now = Date.now();
    this.log.requestCancel(now);
    this.driver?.abort(new DOMException("The run was cancelled", "AbortError"));
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
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const subscriber: Subscriber = { sse: undefined as unknown as SseWriter, after: Math.max(after, run.last_seq) };
    subscriber.sse = new SseWriter(writable, { onGone: () => this.subscribers.delete(subscriber) });
    subscriber.sse.send(retryFrame());
    // Replay and registration happen in one synchronous turn: no event can be
    // stored in between, so the live part continues exactly where replay ended.
    const replay = this.log.framesAfter(after);
    if (replay) subscriber.sse.replay(replay);
    if (run.status === "running") this.subscribers.add(subscriber);
    else subscriber.sse.close();
    return new Response(readable, { headers: SSE_HEADERS });
  }

  override async alarm(): Promise<void> {
    const run = this.log.state();
    if (!run) return;
    const now = Date.now();
    if (run.status !== "running") {
      const expires = (run.ended_at ?? now) + retentionMs(this.env);
      if (now >= expires) this.log.deleteAll();
      else await this.ctx.storage.setAlarm(expires);
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

  /** Writes `run_end` on behalf of a driver that is gone. */
  private async finalize(status: FinalStatus, type: string, message: string): Promise<void> {
    const run = this.log.summary()!;
    const stamper = new EventStamper(run.run_id, secretsOf(this.env), run.events);
    const now = Date.now();
    const end = stamper.stamp(
      { type: "run_end", status, outputs: null, error: { type, message }, usage: run.usage, duration_ms: now - run.created_at },
      now,
    );
    await this.append([end]);
  }

  private fanOut(stored: RunEvent[], frames: string): void {
    const first = stored[0].seq;
    const last = stored[stored.length - 1].seq;
    for (const sub of this.subscribers) {
      if (sub.after >= last) continue;
      // A subscriber that joined with a Last-Event-ID beyond the stored log
      // (it saw those events on the attached stream) gets only what it lacks.
      const text = sub.after < first ? frames : framesAfter(frames, sub.after);
      sub.sse.send(text);
      sub.after = last;
    }
  }

  private async finished(end: Extract<RunEvent, { type: "run_end" }>): Promise<void> {
    const run = this.log.summary()!;
    this.driver?.abort(new DOMException("The run already ended", "AbortError"));
    for (const writer of this.controls) writer.close().catch(() => {});
    this.controls.clear();
    try {
      await this.index(run.program).recordEnd({
        run_id: run.run_id, status: end.status, ended_at: end.ts, duration_ms: end.duration_ms,
        usage: end.usage, error: end.error, outputs: end.outputs, lm_calls: run.counts.lm_end ?? 0,
      });
    } catch (e) {
      console.error(`run ${run.run_id}: program index not updated`, e);
    }
    for (const sub of this.subscribers) sub.sse.close();
    this.subscribers.clear();
    await this.ctx.storage.setAlarm(end.ts + retentionMs(this.env));
  }

  private index(program: string) {
    return this.env.PROGRAM_INDEX.get(this.env.PROGRAM_INDEX.idFromName(program));
  }
}
