// A run's feedback (thumbs up/down and a note), kept in the run's own `run`
// row so retention deletes it with the log. The column is added on first
// write: runs created before feedback existed need no migration.
import type { Feedback } from "./run-types";

function hasColumn(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM pragma_table_info('run') WHERE name = 'feedback'").toArray().length > 0;
}

export function readFeedback(sql: SqlStorage): Feedback | null {
  if (!hasColumn(sql)) return null;
  const row = sql.exec<{ feedback: string | null }>("SELECT feedback FROM run WHERE id = 1").toArray()[0];
  return row?.feedback ? (JSON.parse(row.feedback) as Feedback) : null;
}

export function writeFeedback(sql: SqlStorage, feedback: Feedback): void {
  if (!hasColumn(sql)) sql.exec("ALTER TABLE run ADD COLUMN feedback TEXT");
  sql.exec("UPDATE run SET feedback = ? WHERE id = 1", JSON.stringify(feedback));
}
