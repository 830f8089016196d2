// The UI's view of the server's JSON (everything but events, whose schema is src/dspy/events.ts).
// The shapes are the server's own declarations, imported as types only: esbuild erases these
// imports, so the page still talks to the server only over HTTP.
import type { errorBody } from "../server/api-error";
import type { IndexedRun, ProgramMetrics, TimeWindow } from "../server/program-index";
import type { PRICES } from "../server/prices";
import type { FieldInfo, ProgramInfo } from "../server/program-info";
import type { Feedback, RunSummary } from "../server/run-types";

export type { Feedback, FieldInfo, ProgramInfo, TimeWindow };

/** GET /api/programs answers `{programs}`. */
export interface ProgramList {
  programs: ProgramInfo[];
}

/** GET /api/runs/{id}. */
export type RunInfo = RunSummary;

/** One row of GET /api/programs/{name}/runs, which answers `{program, runs}`. */
export type RunRow = IndexedRun & { program: string };
export interface RunList {
  program: string;
  runs: RunRow[];
  /** Cursor of the next (older) page; null on the last one. */
  next_before: string | null;
}

/** GET /api/prices. */
export type Prices = typeof PRICES & { estimate: true };

/** GET /api/programs/{name}/metrics answers `{program, metrics}`. */
export type Metrics = ProgramMetrics;
export interface MetricsBody {
  program: string;
  metrics: Metrics;
}

/** The server's error body: `{error: {code, message, details}}`. */
export type ErrorBody = ReturnType<typeof errorBody>;

/**
 * The parts of a JSON schema the form reads to pick a control. Not a server shape: the
 * server sends JSON Schema (`FieldInfo["schema"]`), this names the keys we look at.
 */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  default?: unknown;
  description?: string;
  [key: string]: unknown;
}
