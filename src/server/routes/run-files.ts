// A run as a file: `GET /api/runs/{id}/export?format=json|jsonl` writes the
// summary and every event; `POST /api/runs/import` reopens such a file as a
// new, read-only run (mode `imported`) with its own id and permalink.
import { Hono } from "hono";
import { ApiError } from "../api-error";
import { newRunId, requireRunStub, runStub, type AppContext, type AppEnv } from "../request";
import { MAX_IMPORT_BYTES, eventsOfFrames, parseRunFile, runFileHeader } from "../run-file";
import type { RunSummary } from "../run-types";
import { otlpPayload } from "../otel-export";

/** The run's summary and stored events; 404 when there is no such run. */
export async function readRun(c: AppContext, runId: string) {
  const { summary, frames } = (await requireRunStub(c, runId).exportLog()) as { summary: RunSummary | null; frames: string };
  if (!summary) throw new ApiError(404, "run_not_found", `No run with id "${runId}" (it may have expired)`);
  return { summary, events: eventsOfFrames(frames) };
}

export const runExportRoutes = new Hono<AppEnv>()
  .get("/:id/otlp", async (c) => {
    // The payload the exporter sends (OTLP/HTTP JSON), so a run can be loaded into a tracing backend by hand.
    const { events } = await readRun(c, c.req.param("id"));
    return c.json(otlpPayload(events, c.env));
  })
  .get("/:id/export", async (c) => {
  const format = c.req.query("format") ?? "json";
  if (format !== "json" && format !== "jsonl") {
    throw new ApiError(400, "bad_format", `format must be json or jsonl, got "${format.slice(0, 40)}".`, { formats: ["json", "jsonl"] });
  }
  const { summary, events } = await readRun(c, c.req.param("id"));
  const header = runFileHeader(summary);
  const body =
    format === "json"
      ? JSON.stringify({ ...header, events })
      : [header, ...events].map((line) => JSON.stringify(line)).join("\n") + "\n";
  return new Response(body, {
    headers: {
      "Content-Type": format === "json" ? "application/json; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="${summary.program}-${summary.run_id}.${format}"`,
    },
  });
});

export const runImportRoutes = new Hono<AppEnv>().post("/", async (c) => {
  const file = parseRunFile(await readCapped(c.req.raw, MAX_IMPORT_BYTES));
  const original = file.run;
  const runId = newRunId();
  const events = file.events.map((e) => ({ ...e, run_id: runId }));
  const init = { run_id: runId, program: original.program, module: original.module, model: original.model, mode: "imported" as const, inputs: original.inputs };
  await runStub(c.env, runId).importLog(init, original.created_at, events);
  return c.json(
    { run_id: runId, imported_from: original.run_id, status: original.status, events: events.length, run_url: `/runs/${runId}`, events_url: `/api/runs/${runId}/events` },
    201,
    { Location: `/api/runs/${runId}`, "X-Run-Id": runId },
  );
});

/** The body as text, refused with 413 as soon as it passes `max` bytes (declared or streamed). */
async function readCapped(request: Request, max: number): Promise<string> {
  if (Number(request.headers.get("content-length") ?? 0) > max) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
}

function tooLarge() {
  return new ApiError(413, "payload_too_large", `A run file is at most ${MAX_IMPORT_BYTES} bytes.`, { max_bytes: MAX_IMPORT_BYTES });
}
