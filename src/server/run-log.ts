// The SQLite log of one run: a single row of run state plus the events, stored
// as ready-to-send SSE frames packed many to a row (tokens arrive in bursts;
// one row per token would multiply row writes for nothing).
import type { ErrorInfo, RunEvent, RunStatus, UsageByModel } from "../dspy/events";
import { addUsage } from "../dspy/usage";
import { eventFrame, framesAfter } from "./sse";
import type { RunInit, RunMode, RunSummary } from "./run-types";

/**
 * Frames per row are capped by size; SQLite rows must stay under 2 MB. Counted
 * in UTF-16 units (at most 3 bytes each: 1.5 MB); a frame alone is at most
 * MAX_EVENT_BYTES.
 */
const ROW_MAX_CHARS = 512_000;

interface RunRow extends Record<string, SqlStorageValue> {
  run_id: string;
  program: string;
  module: string;
  model: string;
  mode: string;
  status: string;
  inputs: string;
  outputs: string | null;
  error: string | null;
  usage: string;
  counts: string;
  created_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  last_seq: number;
  last_seen: number;
  cancel_requested_at: number | null;
}

/** The columns a driver's append needs: everything but the large values (inputs, outputs). */
type LiveRow = Pick<RunRow, "run_id" | "mode" | "status" | "usage" | "counts" | "ended_at" | "last_seq" | "last_seen" | "cancel_requested_at">;

/** Where a live run stands: what every append, heartbeat and alarm looks at. */
export interface RunState {
  mode: RunMode;
  status: RunStatus;
  ended_at: number | null;
  last_seq: number;
  last_seen: number;
  cancel_requested_at: number | null;
}

export class RunLog {
  /**
   * Tables are made by `init`, not on construction: a request for a run id
   * that does not exist (anyone can send one) must not leave storage behind.
   */
  private created: boolean;

  constructor(private readonly sql: SqlStorage) {
    this.created = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run'").toArray().length > 0;
  }

  private row(): RunRow | null {
    if (!this.created) return null;
    return (this.sql.exec<RunRow>("SELECT * FROM run WHERE id = 1").toArray()[0] as RunRow | undefined) ?? null;
  }

  private liveRow(): LiveRow | null {
    if (!this.created) return null;
    const rows = this.sql
      .exec<LiveRow>("SELECT run_id, mode, status, usage, counts, ended_at, last_seq, last_seen, cancel_requested_at FROM run WHERE id = 1")
      .toArray();
    return (rows[0] as LiveRow | undefined) ?? null;
  }

  exists(): boolean {
    return this.liveRow() !== null;
  }

  state(): RunState | null {
    const r = this.liveRow();
    if (!r) return null;
    return {
      mode: r.mode as RunMode,
      status: r.status as RunStatus,
      ended_at: r.ended_at,
      last_seq: r.last_seq,
      last_seen: r.last_seen,
      cancel_requested_at: r.cancel_requested_at,
    };
  }

  init(init: RunInit, now: number): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS run (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      run_id TEXT NOT NULL, program TEXT NOT NULL, module TEXT NOT NULL, model TEXT NOT NULL,
      mode TEXT NOT NULL, status TEXT NOT NULL, inputs TEXT NOT NULL,
      outputs TEXT, error TEXT, usage TEXT NOT NULL, counts TEXT NOT NULL,
      created_at INTEGER NOT NULL, ended_at INTEGER, duration_ms INTEGER,
      last_seq INTEGER NOT NULL, last_seen INTEGER NOT NULL, cancel_requested_at INTEGER)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS events (
      first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, frames TEXT NOT NULL)`);
    this.created = true;
    this.sql.exec(
      `INSERT INTO run (id, run_id, program, module, model, mode, status, inputs, usage, counts,
        created_at, last_seq, last_seen) VALUES (1, ?, ?, ?, ?, ?, 'running', ?, '{}', '{}', ?, 0, ?)`,
      init.run_id, init.program, init.module, init.model, init.mode, JSON.stringify(init.inputs), now, now,
    );
  }

  /** The run as stored in its log; RunObject adds the feedback kept beside it. */
  summary(): Omit<RunSummary, "feedback"> | null {
    const r = this.row();
    if (!r) return null;
    return {
      run_id: r.run_id,
      program: r.program,
      module: r.module,
      model: r.model,
      mode: r.mode as RunMode,
      status: r.status as RunStatus,
      inputs: JSON.parse(r.inputs),
      outputs: r.outputs === null ? null : JSON.parse(r.outputs),
      error: r.error === null ? null : (JSON.parse(r.error) as ErrorInfo),
      usage: JSON.parse(r.usage),
      created_at: r.created_at,
      ended_at: r.ended_at,
      duration_ms: r.duration_ms,
      events: r.last_seq,
      counts: JSON.parse(r.counts),
      cancel_requested: r.cancel_requested_at !== null,
    };
  }

  touch(now: number): void {
    this.sql.exec("UPDATE run SET last_seen = ? WHERE id = 1", now);
  }

  requestCancel(now: number): void {
    this.sql.exec("UPDATE run SET cancel_requested_at = COALESCE(cancel_requested_at, ?) WHERE id = 1", now);
  }

  /**
   * Stores events that continue the log exactly (seq = last_seq + 1, …) and
   * returns their frames for fan-out. Events already stored (a retried batch)
   * are skipped; a gap is a driver bug and throws.
   */
  append(events: RunEvent[], now: number): { frames: string; stored: RunEvent[] } {
    const r = this.liveRow();
    if (!r) throw new Error("append to a run that was never initialized");
    let last = r.last_seq;
    const fresh = events.filter((e) => e.seq > last);
    if (fresh.length === 0) {
      this.touch(now);
      return { frames: "", stored: [] };
    }
    if (r.status !== "running") throw new Error(`run ${r.run_id} is ${r.status}; no more events accepted`);
    const counts = JSON.parse(r.counts) as Record<string, number>;
    const usage = JSON.parse(r.usage) as UsageByModel;
    let pack = "";
    let packFirst = 0;
    let all = "";
    const flush = () => {
      if (pack) this.sql.exec("INSERT INTO events (first_seq, last_seq, frames) VALUES (?, ?, ?)", packFirst, last, pack);
      all += pack;
      pack = "";
    };
    for (const event of fresh) {
      if (event.seq !== last + 1) {
        throw new Error(`run ${r.run_id}: event seq ${event.seq} does not follow ${last} (gap in the log)`);
      }
      const frame = eventFrame(event);
      if (pack && pack.length + frame.length > ROW_MAX_CHARS) flush();
      if (!pack) packFirst = event.seq;
      pack += frame;
      last = event.seq;
      counts[event.type] = (counts[event.type] ?? 0) + 1;
      if (event.type === "lm_end" && event.usage) addUsage(usage, event.name, event.usage);
      if (event.type === "run_end") {
        this.sql.exec(
          `UPDATE run SET status = ?, outputs = ?, error = ?, ended_at = ?, duration_ms = ? WHERE id = 1`,
          event.status,
          event.outputs === null ? null : JSON.stringify(event.outputs),
          event.error === null ? null : JSON.stringify(event.error),
          event.ts,
          event.duration_ms,
        );
        // The driver's own totals win: it knows about calls the log may have cut.
        Object.assign(usage, event.usage);
      }
    }
    flush();
    this.sql.exec(
      "UPDATE run SET last_seq = ?, last_seen = ?, counts = ?, usage = ? WHERE id = 1",
      last, now, JSON.stringify(counts), JSON.stringify(usage),
    );
    return { frames: all, stored: fresh };
  }

  /** Every stored frame with seq > after, in order, as one string. */
  framesAfter(after: number): string {
    let out = "";
    if (!this.created) return out;
    for (const row of this.sql.exec<{ first_seq: number; frames: string }>(
      "SELECT first_seq, frames FROM events WHERE last_seq > ? ORDER BY first_seq",
      after,
    )) {
      if (row.first_seq > after) {
        out += row.frames;
        continue;
      }
      // Only the first matching row can straddle `after`: split it by frame.
      out += framesAfter(row.frames, after);
    }
    return out;
  }

  /** Forgets the run entirely: no table is left behind. */
  deleteAll(): void {
    this.sql.exec("DROP TABLE IF EXISTS events");
    this.sql.exec("DROP TABLE IF EXISTS run");
    this.created = false;
  }
}
