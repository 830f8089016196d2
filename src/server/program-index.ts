// One object per program: a summary row per run, written once when the run
// starts and once when it ends (never per event), for listings and metrics.
import { DurableObject } from "cloudflare:workers";
import type { RunStatus, UsageByModel } from "../dspy/events";
import type { ServerEnv } from "./env";
import { retentionMs } from "./env";
import { costOf } from "./prices";
import type { RunMode, RunSummary } from "./run-types";

/** Rows kept per program, newest first; older ones are pruned on insert. */
const MAX_ROWS = 5000;

/** One row of GET /api/programs/{name}/runs: the run's summary without its log. */
export type IndexedRun = Pick<RunSummary, "run_id" | "mode" | "model" | "status" | "inputs" | "ended_at" | "duration_ms" | "usage" | "error"> & {
  started_at: number;
};
export type RunStartRecord = Pick<IndexedRun, "run_id" | "mode" | "model" | "inputs" | "started_at">;
export type RunEndRecord = Pick<IndexedRun, "run_id" | "status" | "usage" | "error"> & { ended_at: number; duration_ms: number };

export interface ProgramMetrics {
  calls: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  interrupted: number;
  /** Over finished runs: failed + interrupted divided by finished. */
  error_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null };
  tokens: { prompt: number; completion: number; total: number };
  usage: UsageByModel;
  /** Estimated USD; null when some model's price is unknown. */
  cost_usd: number | null;
}

/** An uploaded saved program: the file as JSON text and when it was stored (ms). */
export interface StoredState {
  state: string;
  updated_at: number;
}

type Row = {
  run_id: string; mode: string; model: string; status: string; inputs: string; started_at: number;
  ended_at: number | null; duration_ms: number | null; usage: string | null; error: string | null;
};

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
      r.run_id, r.mode, r.model, JSON.stringify(r.inputs).slice(0, 2000), r.started_at,
    );
    this.sql.exec("DELETE FROM runs WHERE started_at < ?", Date.now() - retentionMs(this.env));
    this.sql.exec(
      `DELETE FROM runs WHERE run_id IN (SELECT run_id FROM runs ORDER BY started_at DESC LIMIT -1 OFFSET ?)`,
      MAX_ROWS,
    );
  }

  recordEnd(r: RunEndRecord): void {
    this.sql.exec(
      `UPDATE runs SET status = ?, ended_at = ?, duration_ms = ?, usage = ?, error = ? WHERE run_id = ?`,
      r.status, r.ended_at, r.duration_ms, JSON.stringify(r.usage), r.error ? JSON.stringify(r.error) : null, r.run_id,
    );
  }

  runs(limit: number): IndexedRun[] {
    return this.sql
      .exec<Row>("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?", limit)
      .toArray()
      .map((r) => ({
        run_id: r.run_id,
        mode: r.mode as RunMode,
        model: r.model,
        status: r.status as RunStatus,
        inputs: parseInputs(r.inputs),
        started_at: r.started_at,
        ended_at: r.ended_at,
        duration_ms: r.duration_ms,
        usage: r.usage ? JSON.parse(r.usage) : {},
        error: r.error ? JSON.parse(r.error) : null,
      }));
  }

  metrics(): ProgramMetrics {
    const counts = Object.fromEntries(
      this.sql
        .exec<{ status: string; n: number }>("SELECT status, COUNT(*) AS n FROM runs GROUP BY status")
        .toArray()
        .map((r) => [r.status, r.n]),
    ) as Partial<Record<RunStatus, number>>;
    const durations = this.sql
      .exec<{ d: number }>("SELECT duration_ms AS d FROM runs WHERE duration_ms IS NOT NULL ORDER BY d")
      .toArray()
      .map((r) => r.d);
    const usage: UsageByModel = {};
    for (const { u } of this.sql.exec<{ u: string }>("SELECT usage AS u FROM runs WHERE usage IS NOT NULL")) {
      for (const [model, t] of Object.entries(JSON.parse(u) as UsageByModel)) {
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
    return {
      calls: finished + n("running"),
      running: n("running"),
      succeeded: n("succeeded"),
      failed: n("failed"),
      cancelled: n("cancelled"),
      interrupted: n("interrupted"),
      error_rate: finished ? (n("failed") + n("interrupted")) / finished : null,
      latency_ms: { p50: percentile(durations, 0.5), p95: percentile(durations, 0.95) },
      tokens,
      usage,
      cost_usd: costOf(usage),
    };
  }
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function parseInputs(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text);
  } catch {
    return { preview: text }; // cut at 2000 chars when stored
  }
}
