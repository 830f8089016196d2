// Shapes shared by the run Durable Object, the routes and the program index.
import type { ErrorInfo, RunStatus, UsageByModel } from "../dspy/events";

/** How a run is driven: by the Worker request that streams it, or by its own object. */
export type RunMode = "attached" | "sync" | "durable";

export interface RunInit {
  run_id: string;
  program: string;
  module: string;
  model: string;
  mode: RunMode;
  inputs: Record<string, unknown>;
}

/** What GET /api/runs/{id} answers. */
export interface RunSummary extends RunInit {
  status: RunStatus;
  outputs: Record<string, unknown> | null;
  error: ErrorInfo | null;
  usage: UsageByModel;
  created_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  /** Highest stored seq: the number of events in the log. */
  events: number;
  counts: Record<string, number>;
  cancel_requested: boolean;
}

export interface AppendResult {
  last_seq: number;
  /** The run was cancelled: the driver should abort. */
  cancel: boolean;
  /** The log is closed (run_end stored, possibly by the object itself): stop appending. */
  finished: boolean;
  /** Why the batch was refused (a gap in seq): a driver bug, never silently patched. */
  rejected?: string;
}
