// A run as a file: what `GET /api/runs/{id}/export` writes and
// `POST /api/runs/import` reads back. JSON is one document
// `{format, version, exported_at, run, events}`; JSONL is the same header
// (without `events`) on the first line, then one event per line.
import { z } from "zod";
import { RunEvent } from "../dspy/events";
import { ApiError } from "./api-error";
import { RunSummary } from "./run-types";
import { MAX_EVENT_BYTES } from "./truncate";

export const RUN_FILE_FORMAT = "dspy-edge.run";
export const RUN_FILE_VERSION = 1;
/** Largest file `POST /api/runs/import` takes (exports of long agent runs run to megabytes). */
export const MAX_IMPORT_BYTES = 16 * 1024 * 1024;
const MAX_IMPORT_EVENTS = 100_000;

export const RunFileHeader = z.object({
  format: z.literal(RUN_FILE_FORMAT),
  version: z.literal(RUN_FILE_VERSION),
  exported_at: z.number(),
  run: RunSummary,
});
export type RunFileHeader = z.infer<typeof RunFileHeader>;

export interface RunFile extends RunFileHeader {
  events: RunEvent[];
}

export function runFileHeader(run: RunSummary, now = Date.now()): RunFileHeader {
  return { format: RUN_FILE_FORMAT, version: RUN_FILE_VERSION, exported_at: now, run };
}

/** The events of stored SSE frames (`id:`, `event:`, one `data:` line each, as sse.ts writes them). */
export function eventsOfFrames(frames: string): RunEvent[] {
  const events: RunEvent[] = [];
  for (const frame of frames.split("\n\n")) {
    const data = frame.split("\n").find((line) => line.startsWith("data: "));
    if (data) events.push(JSON.parse(data.slice(6)) as RunEvent);
  }
  return events;
}

const bad = (message: string, details: unknown = null) => new ApiError(400, "invalid_run_file", message, details);

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw bad(`${where} is not valid JSON: ${(e as Error).message}`);
  }
}

function issuesOf(error: z.ZodError, prefix: string) {
  return error.issues.slice(0, 20).map((i) => ({ field: [prefix, ...i.path].filter((p) => p !== "").join("."), message: i.message }));
}

/** Reads either file shape; everything is checked against the event schema, and the log must be whole. */
export function parseRunFile(text: string): RunFile {
  const trimmed = text.trim();
  if (!trimmed) throw bad("The file is empty; send a run exported from GET /api/runs/{id}/export.");
  const lines = trimmed.split("\n").filter((l) => l.trim());
  let header: unknown;
  let rawEvents: unknown[];
  let eventWhere: (i: number) => string;
  if (lines.length > 1 && lines[0].trim().endsWith("}")) {
    // JSONL: one document per line.
    header = parseJson(lines[0], "Line 1 (the run header)");
    rawEvents = lines.slice(1).map((l, i) => parseJson(l, `Line ${i + 2}`));
    eventWhere = (i) => `line ${i + 2}`;
  } else {
    const doc = parseJson(trimmed, "The file");
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw bad("The file must be a JSON object (or JSONL with a header line).");
    const { events, ...rest } = doc as Record<string, unknown>;
    if (!Array.isArray(events)) throw bad("The file has no `events` array.", { issues: [{ field: "events", message: "required array" }] });
    header = rest;
    rawEvents = events;
    eventWhere = (i) => `events[${i}]`;
  }
  const h = RunFileHeader.safeParse(header);
  if (!h.success) {
    throw bad(`The run header is not a ${RUN_FILE_FORMAT} v${RUN_FILE_VERSION} header.`, { issues: issuesOf(h.error, "run") });
  }
  if (rawEvents.length === 0) throw bad("The file has no events.");
  if (rawEvents.length > MAX_IMPORT_EVENTS) throw bad(`The file has ${rawEvents.length} events; at most ${MAX_IMPORT_EVENTS} are imported.`);
  const runId = h.data.run.run_id;
  const events = rawEvents.map((raw, i) => {
    const parsed = RunEvent.safeParse(raw);
    if (!parsed.success) throw bad(`${eventWhere(i)} is not a valid event.`, { issues: issuesOf(parsed.error, eventWhere(i)) });
    const e = parsed.data;
    if (e.seq !== i + 1) throw bad(`${eventWhere(i)} has seq ${e.seq}; the log must run 1, 2, 3… without gaps.`);
    if (e.run_id !== runId) throw bad(`${eventWhere(i)} belongs to run ${e.run_id}, not ${runId}.`);
    if (JSON.stringify(e).length > MAX_EVENT_BYTES) throw bad(`${eventWhere(i)} is larger than ${MAX_EVENT_BYTES} bytes.`);
    return e;
  });
  if (events[0].type !== "run_start") throw bad("The first event must be run_start.");
  const ends = events.filter((e) => e.type === "run_end").length;
  if (events.at(-1)!.type !== "run_end" || ends !== 1) {
    throw bad("Only a finished run can be imported: the log must end with its one run_end (export it once it has ended).");
  }
  return { ...h.data, events };
}
