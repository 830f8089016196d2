// Shapes shared by the run Durable Object, the routes and the program index.
// RunSummary is a zod schema so GET /api/runs/{id} and its OpenAPI entry agree.
import { z } from "zod";
import { ErrorInfo, RunStatus, UsageByModel } from "../dspy/events";

/**
 * How a run is driven: by the Worker request that streams it or answers it, or
 * by its own object; `imported` runs were read from an exported file; `playground` runs resend one LM call with edits.
 */
export const RunMode = z.enum(["attached", "sync", "durable", "imported", "playground"]);
export type RunMode = z.infer<typeof RunMode>;

const Values = z.record(z.string(), z.unknown());

export const RunInit = z.object({
  run_id: z.string(),
  program: z.string(),
  module: z.string(),
  model: z.string(),
  mode: RunMode,
  inputs: Values,
});
export type RunInit = z.infer<typeof RunInit>;

/** A person's verdict on a run (POST /api/runs/{id}/feedback): the first step toward datasets. */
export const Feedback = z.object({
  rating: z.enum(["up", "down"]).nullable().describe("Thumbs up or down; null keeps only the note"),
  note: z.string().max(2000).describe("Free text, may be empty"),
  at: z.number().describe("When it was given (epoch ms)"),
});
export type Feedback = z.infer<typeof Feedback>;

/** What GET /api/runs/{id} answers. */
export const RunSummary = RunInit.extend({
  status: RunStatus,
  outputs: Values.nullable(),
  error: ErrorInfo.nullable(),
  usage: UsageByModel,
  created_at: z.number(),
  ended_at: z.number().nullable(),
  duration_ms: z.number().nullable(),
  events: z.number().int().nonnegative().describe("Highest stored seq: the number of events in the log"),
  counts: z.record(z.string(), z.number().int()).describe("Stored events per type"),
  appends: z.number().int().nonnegative().describe("Batches the log stored: its writes, a few per second at most whatever the token rate"),
  cancel_requested: z.boolean(),
  feedback: Feedback.nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export interface AppendResult {
  last_seq: number;
  /** The driver may show its client events up to this seq before they are stored. */
  granted_seq: number;
  /** The run was cancelled: the driver should abort. */
  cancel: boolean;
  /** The log is closed (run_end stored, possibly by the object itself): stop appending. */
  finished: boolean;
  /** The log was closed before this batch came (the object ended the run): nothing of it was stored. */
  closed_before?: boolean;
  /** The stored run_end's JSON when the log is closed: what a disowned driver's client still needs to see. */
  end_json?: string;
  /** Why the batch was refused (a gap in seq): a driver bug, never silently patched. */
  rejected?: string;
}
