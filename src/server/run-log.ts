// The SQLite log of one run: a single row of run state plus the events, stored
// as ready-to-send SSE frames packed many to a row (tokens arrive in bursts;
// one row per token would multiply row writes for nothing).
import type { ErrorInfo, RunStatus, UsageByModel } from "../dspy/events";
import { addUsage } from "../dspy/usage";
import { SEQ_GRANT_AHEAD, type LogBatch } from "./log-batch";
import { framesAfter } from "./sse";
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
  granted_seq: number;
  appends: number;
}

/** The columns a driver's append needs: everything but the large values (inputs, outputs). */
type LiveRow = Pick<
  RunRow,
  "run_id" | "mode" | "status" | "usage" | "counts" | "ended_at" | "last_seq" | "last_seen" | "cancel_requested_at" | "granted_seq"
>;

/** Where a live run stands: what every append, heartbeat and alarm looks at. */
export interface RunState {
  mode: RunMode;
  status: RunStatus;
  ended_at: number | null;
  last_seq: number;
  last_seen: number;
  cancel_requested_at: number | null;
  /** Drivers may show clients events up to this seq before they are stored. */
  granted_seq: number;
}

/** What an append did: the frames it stored (seqs first..last; none for a heartbeat, a re-sent batch or a closed log). */
export interface Appended {
  /** The log was already closed: nothing was stored. */
  closed: boolean;
  cancelRequested: boolean;
  frames: string;
  first: number;
  last: number;
  /** Drivers may now show events up to this seq before they are stored. */
  granted: number;
}

/** Columns added after round 1, with their defaults for logs created before them. */
const ADDED_COLUMNS = { granted_seq: "INTEGER NOT NULL DEFAULT 0", appends: "INTEGER NOT NULL DEFAULT 0" };

export class RunLog {
  /**
   * Tables are made by `init`, not on construction: a request for a run id
   * that does not exist (anyone can send one) must not leave storage behind.
   */
  private created: boolean;

  constructor(private readonly sql: SqlStorage) {
    this.created = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run'").toArray().length > 0;
    if (this.created) this.migrate();
  }

  /** A log written by an older version lacks later columns: add them (once per object start). */
  private migrate(): void {
    const have = new Set(this.sql.exec<{ name: string }>("PRAGMA table_info(run)").toArray().map((c) => c.name));
    for (const [name, type] of Object.entries(ADDED_COLUMNS)) {
      if (!have.has(name)) this.sql.exec(`ALTER TABLE run ADD COLUMN ${name} ${type}`);
    }
  }

  private row(): RunRow | null {
    if (!this.created) return null;
    return (this.sql.exec<RunRow>("SELECT * FROM run WHERE id = 1").toArray()[0] as RunRow | undefined) ?? null;
  }

  private liveRow(): LiveRow | null {
    if (!this.created) return null;
    const rows = this.sql
      .exec<LiveRow>("SELECT run_id, mode, status, usage, counts, ended_at, last_seq, last_seen, cancel_requested_at, granted_seq FROM run WHERE id = 1")
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
      granted_seq: r.granted_seq,
    };
  }

  init(init: RunInit, now: number): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS run (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      run_id TEXT NOT NULL, program TEXT NOT NULL, module TEXT NOT NULL, model TEXT NOT NULL,
      mode TEXT NOT NULL, status TEXT NOT NULL, inputs TEXT NOT NULL,
      outputs TEXT, error TEXT, usage TEXT NOT NULL, counts TEXT NOT NULL,
      created_at INTEGER NOT NULL, ended_at INTEGER, duration_ms INTEGER,
      last_seq INTEGER NOT NULL, last_seen INTEGER NOT NULL, cancel_requested_at INTEGER,
      granted_seq INTEGER NOT NULL DEFAULT 0, appends INTEGER NOT NULL DEFAULT 0)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS events (
      first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, frames TEXT NOT NULL)`);
    this.created = true;
    this.sql.exec(
      `INSERT INTO run (id, run_id, program, module, model, mode, status, inputs, usage, counts,
        created_at, last_seq, last_seen, granted_seq) VALUES (1, ?, ?, ?, ?, ?, 'running', ?, '{}', '{}', ?, 0, ?, ?)`,
      init.run_id, init.program, init.module, init.model, init.mode, JSON.stringify(init.inputs), now, now, SEQ_GRANT_AHEAD,
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
      appends: r.appends,
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
   * Stores a batch that continues the log exactly (its first new event is
   * last_seq + 1; events already stored, from a retried batch, are skipped; a
   * gap is a driver bug and throws) and returns the frames it stored, for
   * fan-out, with what the driver needs to know (one read of the run row per
   * append: this is the hot path). A closed log stores nothing and says so; an
   * empty batch is a heartbeat. `jumpTo` lets the object itself number a
   * closing run_end past the seqs it granted a driver that died (see
   * SEQ_GRANT_AHEAD). Null when the run does not exist.
   */
  append(batch: LogBatch, now: number, jumpTo?: number): Appended | null {
    const r = this.liveRow();
    if (!r) return null;
    const cancelRequested = r.cancel_requested_at !== null;
    if (r.status !== "running") return { closed: true, cancelRequested, frames: "", first: 0, last: r.last_seq, granted: r.granted_seq };
    const skip = Math.max(0, r.last_seq + 1 - batch.first_seq);
    if (skip >= batch.types.length) {
      this.touch(now);
      return { closed: false, cancelRequested, frames: "", first: 0, last: r.last_seq, granted: r.granted_seq };
    }
    const first = batch.first_seq + skip;
    if (first !== r.last_seq + 1 && first !== jumpTo) {
      throw new Error(`run ${r.run_id}: event seq ${first} does not follow ${r.last_seq} (gap in the log)`);
    }
    const last = batch.first_seq + batch.types.length - 1;
    const frames = skip > 0 ? framesAfter(batch.frames, r.last_seq) : batch.frames;
    this.storeFrames(frames, first, last);
    const counts = JSON.parse(r.counts) as Record<string, number>;
    for (const type of batch.types.slice(skip)) counts[type] = (counts[type] ?? 0) + 1;
    const usage = JSON.parse(r.usage) as UsageByModel;
    for (const u of batch.usage) if (u.seq >= first) addUsage(usage, u.model, u.usage);
    const end = batch.end;
    if (end && end.seq >= first) {
      this.sql.exec(
        `UPDATE run SET status = ?, outputs = ?, error = ?, ended_at = ?, duration_ms = ? WHERE id = 1`,
        end.status,
        end.outputs === null ? null : JSON.stringify(end.outputs),
        end.error === null ? null : JSON.stringify(end.error),
        end.ts,
        end.duration_ms,
      );
      // The driver's own totals win: it knows about calls the log may have cut.
      Object.assign(usage, end.usage);
    }
    this.sql.exec(
      `UPDATE run SET last_seq = ?, last_seen = ?, counts = ?, usage = ?, appends = appends + 1,
        granted_seq = MAX(granted_seq, ?) WHERE id = 1`,
      last, now, JSON.stringify(counts), JSON.stringify(usage), last + SEQ_GRANT_AHEAD,
    );
    return { closed: false, cancelRequested, frames, first, last, granted: Math.max(r.granted_seq, last + SEQ_GRANT_AHEAD) };
  }

  /** Rows of whole frames, each under ROW_MAX_CHARS (a frame alone is at most MAX_EVENT_BYTES). */
  private storeFrames(frames: string, first: number, last: number): void {
    if (frames.length <= ROW_MAX_CHARS) {
      this.sql.exec("INSERT INTO events (first_seq, last_seq, frames) VALUES (?, ?, ?)", first, last, frames);
      return;
    }
    let pack = "";
    let packFirst = first;
    let seq = first - 1;
    const flush = () => {
      if (pack) this.sql.exec("INSERT INTO events (first_seq, last_seq, frames) VALUES (?, ?, ?)", packFirst, seq, pack);
      pack = "";
    };
    for (const part of frames.split("\n\n")) {
      if (!part) continue;
      const frame = part + "\n\n";
      if (pack && pack.length + frame.length > ROW_MAX_CHARS) flush();
      if (!pack) packFirst = Number(frame.slice(4, frame.indexOf("\n")));
      pack += frame;
      seq = Number(frame.slice(4, frame.indexOf("\n")));
    }
    flush();
  }

  /** The last stored event's JSON (run_end, once the log is closed). */
  lastEventJson(): string | null {
    if (!this.created) return null;
    const row = this.sql.exec<{ frames: string }>("SELECT frames FROM events ORDER BY first_seq DESC LIMIT 1").toArray()[0];
    if (!row) return null;
    const frames = row.frames.slice(0, -2);
    const data = frames.slice(frames.lastIndexOf("\n\n") + 1).split("\ndata: ")[1];
    return data;
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
