// Where a run's trace export stands, kept in the run object's SQLite next to
// the log (its own table, made only when an export is scheduled), so retries
// survive the object being evicted between alarms.
export type TraceExportStatus = "pending" | "sent" | "failed";

export interface TraceExportState {
  status: TraceExportStatus;
  attempts: number;
  next_at: number | null;
  last_error: string | null;
  sent_at: number | null;
}

type Row = TraceExportState & Record<string, SqlStorageValue>;

export class TraceExportLog {
  constructor(private readonly sql: SqlStorage) {}

  private exists(): boolean {
    return this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'otel_export'").toArray().length > 0;
  }

  state(): TraceExportState | null {
    if (!this.exists()) return null;
    const row = this.sql.exec<Row>("SELECT status, attempts, next_at, last_error, sent_at FROM otel_export WHERE id = 1").toArray()[0];
    return row ? { status: row.status, attempts: row.attempts, next_at: row.next_at, last_error: row.last_error, sent_at: row.sent_at } : null;
  }

  /** Schedules the first attempt; a run is exported once, so a second call changes nothing. */
  schedule(at: number): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS otel_export (
      id INTEGER PRIMARY KEY CHECK (id = 1), status TEXT NOT NULL, attempts INTEGER NOT NULL,
      next_at INTEGER, last_error TEXT, sent_at INTEGER)`);
    this.sql.exec("INSERT OR IGNORE INTO otel_export (id, status, attempts, next_at) VALUES (1, 'pending', 0, ?)", at);
  }

  sent(now: number, attempts: number): void {
    this.sql.exec("UPDATE otel_export SET status = 'sent', attempts = ?, next_at = NULL, sent_at = ? WHERE id = 1", attempts, now);
  }

  /** A failed attempt: retried at `retryAt`, or given up when that is null. */
  failed(attempts: number, error: string, retryAt: number | null): void {
    this.sql.exec(
      "UPDATE otel_export SET status = ?, attempts = ?, next_at = ?, last_error = ? WHERE id = 1",
      retryAt === null ? "failed" : "pending", attempts, retryAt, error.slice(0, 1000),
    );
  }

  drop(): void {
    this.sql.exec("DROP TABLE IF EXISTS otel_export");
  }
}
