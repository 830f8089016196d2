// One object per program: a summary row per run, written when the run starts,
// when it ends and when someone gives feedback (never per event), for
// listings, search and metrics.
import { DurableObject } from "cloudflare:workers";
import type { RunStatus, UsageByModel } from "../dspy/events";
import type { ServerEnv } from "./env";
import { retentionMs } from "./env";
import { PRICES, costOf } from "./prices";
import type { Feedback, RunMode, RunSummary } from "./run-types";

/** Rows kept per program, newest first; older ones are pruned on insert. */
const MAX_ROWS = 5000;
/** Inputs and outputs are kept (and searched) up to this many characters of their JSON. */
const VALUE_CHARS = 2000;

/** One row of GET /api/programs/{name}/runs: the run's summary without its log. */
export type IndexedRun = Pick<RunSummary, "run_id" | "mode" | "model" | "status" | "inputs" | "outputs" | "ended_at" | "duration_ms" | "usage" | "error" | "feedback"> & {
  started_at: number;
  /** LM calls the run made (its `lm_end` events); null while it runs. */
  lm_calls: number | null;
  /** Estimated USD from the price table; null while running or when a model's price is unknown. */
  cost_usd: number | null;
};
export type RunStartRecord = Pick<IndexedRun, "run_id" | "mode" | "model" | "inputs" | "started_at">;
export type RunEndRecord = Pick<IndexedRun, "run_id" | "status" | "usage" | "error"> & {
  ended_at: number;
  duration_ms: number;
  outputs?: Record<string, unknown> | null;
  lm_calls?: number;
};

export const TIME_WINDOWS = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000, all: null } as const;
export type TimeWindow = keyof typeof TIME_WINDOWS;

export interface RunQuery {
  limit: number;
  /** The `next_before` of the previous page: rows strictly older than it. */
  before?: string | null;
  status?: RunStatus[];
  /** Case-insensitive text in the inputs or outputs (ASCII case folding, as SQLite's lower()). */
  q?: string | null;
  feedback?: "up" | "down" | "any" | null;
  window?: TimeWindow;
}

export interface RunPage {
  runs: IndexedRun[];
  /** Pass as `before` for the next page; null when this page is the last. */
  next_before: string | null;
}

export interface Latency {
  runs: number;
  p50: number | null;
  p95: number | null;
}

export interface ProgramMetrics {
  window: TimeWindow;
  /** Runs started at or after this time are counted (null: all kept runs). */
  since: number | null;
  calls: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  interrupted: number;
  /** Over finished runs: failed + interrupted divided by finished. */
  error_rate: number | null;
  /** Durations of succeeded runs only: a failure at the first step would pull the median down. */
  latency_ms: { p50: number | null; p95: number | null };
  /** The same, for each final status. */
  latency_by_status: Record<"succeeded" | "failed" | "cancelled" | "interrupted", Latency>;
  tokens: { prompt: number; completion: number; total: number };
  usage: UsageByModel;
  /** LM calls made by finished runs. */
  lm_calls: number;
  /** Estimated USD over the window; null when some model's price is unknown. */
  cost_usd: number | null;
  /** cost_usd divided by finished runs and by their LM calls. */
  cost_per_run_usd: number | null;
  cost_per_lm_call_usd: number | null;
  /** Which price table the estimate comes from. */
  prices_version: string;
  feedback: { up: number; down: number; notes: number };
}

/** An uploaded saved program: the file as JSON text and when it was stored (ms). */
export interface StoredState {
  state: string;
  updated_at: number;
}

type Row = {
  run_id: string; mode: string; model: string; status: string; inputs: string; started_at: number;
  ended_at: number | null; duration_ms: number | null; usage: string | null; error: string | null;
  outputs: string | null; lm_calls: number | null; cost_usd: number | null; feedback: string | null;
};

/** Columns added after the first release; added in place to an older index. */
const ADDED_COLUMNS = { outputs: "TEXT", lm_calls: "INTEGER", cost_usd: "REAL", feedback: "TEXT" };

export class ProgramIndex extends DurableObject<ServerEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: ServerEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS runs (
      run_id TEXT PRIMARY KEY, mode TEXT NOT NULL, model TEXT NOT NULL, status TEXT NOT NULL,
      inputs TEXT NOT NULL, started_at INTEGER NOT NULL, ended_at INTEGER, duration_ms INTEGER,
      usage TEXT, error TEXT)`);
    this.sql.exec("CREATE INDEX IF NOT EXISTS runs_started ON runs (started_at)");
    const have = new Set(this.sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('runs')").toArray().map((r) => r.name));
    for (const [name, type] of Object.entries(ADDED_COLUMNS)) {
      if (!have.has(name)) this.sql.exec(`ALTER TABLE runs ADD COLUMN ${name} ${type}`);
    }
    // At most one row: the saved program state uploaded for this program (PUT /api/programs/{name}/state).
    this.sql.exec(`CREATE TABLE IF NOT EXISTS saved_state (
      id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL, updated_at INTEGER NOT NULL)`);
  }

  /** The uploaded saved state (DSPy's format, as JSON text), or null. */
  savedState(): StoredState | null {
    const row = this.sql.exec<{ state: string; updated_at: number }>("SELECT state, updated_at FROM saved_state WHERE id = 1").toArray()[0];
    return row ? { state: row.state, updated_at: row.updated_at } : null;
  }

  putSavedState(state: string, updatedAt: number): void {
    this.sql.exec(
      "INSERT INTO saved_state (id, state, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
      state, updatedAt,
    );
  }

  /** Removes the uploaded state; true when there was one. */
  deleteSavedState(): boolean {
    const had = this.savedState() !== null;
    this.sql.exec("DELETE FROM saved_state WHERE id = 1");
    return had;
  }

  recordStart(r: RunStartRecord): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO runs (run_id, mode, model, status, inputs, started_at) VALUES (?, ?, ?, 'running', ?, ?)`,
      r.run_id, r.mode, r.model, JSON.stringify(r.inputs).slice(0, VALUE_CHARS), r.started_at,
    );
    this.sql.exec("DELETE FROM runs WHERE started_at < ?", Date.now() - retentionMs(this.env));
    this.sql.exec(
      `DELETE FROM runs WHERE run_id IN (SELECT run_id FROM runs ORDER BY started_at DESC LIMIT -1 OFFSET ?)`,
      MAX_ROWS,
    );
  }

  recordEnd(r: RunEndRecord): void {
    this.sql.exec(
      `UPDATE runs SET status = ?, ended_at = ?, duration_ms = ?, usage = ?, error = ?, outputs = ?, lm_calls = ?, cost_usd = ?
       WHERE run_id = ?`,
      r.status, r.ended_at, r.duration_ms, JSON.stringify(r.usage), r.error ? JSON.stringify(r.error) : null,
      r.outputs ? JSON.stringify(r.outputs).slice(0, VALUE_CHARS) : null, r.lm_calls ?? null, costOf(r.usage), r.run_id,
    );
  }

  recordFeedback(runId: string, feedback: Feedback): void {
    this.sql.exec("UPDATE runs SET feedback = ? WHERE run_id = ?", JSON.stringify(feedback), runId);
  }

  /** Newest first, filtered; pages by a cursor so runs started meanwhile never shift a page. */
  runs(query: RunQuery | number): RunPage {
    const o: RunQuery = typeof query === "number" ? { limit: query } : query;
    const where: string[] = [];
    const args: SqlStorageValue[] = [];
    const since = sinceOf(o.window ?? "all");
    if (since !== null) where.push("started_at >= ?"), args.push(since);
    if (o.status?.length) where.push(`status IN (${o.status.map(() => "?").join(", ")})`), args.push(...o.status);
    if (o.q) where.push("instr(lower(inputs || ' ' || coalesce(outputs, '')), lower(?)) > 0"), args.push(o.q);
    if (o.feedback === "any") where.push("feedback IS NOT NULL");
    else if (o.feedback) where.push("json_extract(feedback, '$.rating') = ?"), args.push(o.feedback);
    const cursor = parseCursor(o.before);
    if (cursor) where.push("(started_at < ? OR (started_at = ? AND run_id < ?))"), args.push(cursor.at, cursor.at, cursor.id);
    const rows = this.sql
      .exec<Row>(
        `SELECT * FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY started_at DESC, run_id DESC LIMIT ?`,
        ...args, o.limit + 1,
      )
      .toArray();
    const page = rows.slice(0, o.limit).map(toRun);
    const last = page.at(-1);
    return { runs: page, next_before: rows.length > o.limit && last ? `${last.started_at}.${last.run_id}` : null };
  }

  metrics(window: TimeWindow = "all"): ProgramMetrics {
    const since = sinceOf(window);
    const scope = since === null ? "" : `WHERE started_at >= ${Math.floor(since)}`;
    const and = scope ? `${scope} AND` : "WHERE";
    const counts = Object.fromEntries(
      this.sql
        .exec<{ status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM runs ${scope} GROUP BY status`)
        .toArray()
        .map((r) => [r.status, r.n]),
    ) as Partial<Record<RunStatus, number>>;
    const durations: Record<string, number[]> = {};
    for (const r of this.sql.exec<{ s: string; d: number }>(`SELECT status AS s, duration_ms AS d FROM runs ${and} duration_ms IS NOT NULL ORDER BY d`)) {
      (durations[r.s] ??= []).push(r.d);
    }
    const usage: UsageByModel = {};
    let lmCalls = 0;
    const feedback = { up: 0, down: 0, notes: 0 };
    for (const r of this.sql.exec<{ u: string | null; n: number | null; f: string | null }>(
      `SELECT usage AS u, lm_calls AS n, feedback AS f FROM runs ${scope}`,
    )) {
      lmCalls += r.n ?? 0;
      if (r.f) {
        const f = JSON.parse(r.f) as Feedback;
        if (f.rating) feedback[f.rating]++;
        if (f.note.trim()) feedback.notes++;
      }
      if (!r.u) continue;
      for (const [model, t] of Object.entries(JSON.parse(r.u) as UsageByModel)) {
        const acc = (usage[model] ??= { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
        acc.prompt_tokens += t.prompt_tokens;
        acc.completion_tokens += t.completion_tokens;
        acc.total_tokens += t.total_tokens;
      }
    }
    const n = (s: RunStatus) => counts[s] ?? 0;
    const finished = n("succeeded") + n("failed") + n("cancelled") + n("interrupted");
    const tokens = Object.values(usage).reduce(
      (t, u) => ({ prompt: t.prompt + u.prompt_tokens, completion: t.completion + u.completion_tokens, total: t.total + u.total_tokens }),
      { prompt: 0, completion: 0, total: 0 },
    );
    const latency = (s: string): Latency => {
      const d = durations[s] ?? [];
      return { runs: d.length, p50: percentile(d, 0.5), p95: percentile(d, 0.95) };
    };
    const cost = costOf(usage);
    const ok = latency("succeeded");
    return {
      window,
      since,
      calls: finished + n("running"),
      running: n("running"),
      succeeded: n("succeeded"),
      failed: n("failed"),
      cancelled: n("cancelled"),
      interrupted: n("interrupted"),
      error_rate: finished ? (n("failed") + n("interrupted")) / finished : null,
      latency_ms: { p50: ok.p50, p95: ok.p95 },
      latency_by_status: { succeeded: ok, failed: latency("failed"), cancelled: latency("cancelled"), interrupted: latency("interrupted") },
      tokens,
      usage,
      lm_calls: lmCalls,
      cost_usd: cost,
      cost_per_run_usd: cost !== null && finished ? cost / finished : null,
      cost_per_lm_call_usd: cost !== null && lmCalls ? cost / lmCalls : null,
      prices_version: PRICES.version,
      feedback,
    };
  }
}

function sinceOf(window: TimeWindow): number | null {
  const span = TIME_WINDOWS[window];
  return span === null ? null : Date.now() - span;
}

/** `started_at.run_id`, as `next_before` makes it; anything else is no cursor. */
function parseCursor(text: string | null | undefined): { at: number; id: string } | null {
  const m = text ? /^(\d{1,15})\.([0-9a-f]{1,64})$/.exec(text) : null;
  return m ? { at: Number(m[1]), id: m[2] } : null;
}

export function isCursor(text: string): boolean {
  return parseCursor(text) !== null;
}

function toRun(r: Row): IndexedRun {
  return {
    run_id: r.run_id,
    mode: r.mode as RunMode,
    model: r.model,
    status: r.status as RunStatus,
    inputs: parseValues(r.inputs),
    outputs: r.outputs ? parseValues(r.outputs) : null,
    started_at: r.started_at,
    ended_at: r.ended_at,
    duration_ms: r.duration_ms,
    usage: r.usage ? JSON.parse(r.usage) : {},
    error: r.error ? JSON.parse(r.error) : null,
    lm_calls: r.lm_calls,
    cost_usd: r.cost_usd,
    feedback: r.feedback ? JSON.parse(r.feedback) : null,
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function parseValues(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text);
  } catch {
    return { preview: text }; // cut at VALUE_CHARS when stored
  }
}
