// Running a program from a Worker request: `POST /{program}` (sync JSON,
// dspy-cli compatible) and `POST /{program}/stream` (attached SSE).
import { Hono } from "hono";
import { AdapterParseError, LMError } from "../../dspy/errors";
import type { Program } from "../../programs/define";
import { ApiError } from "../api-error";
import type { RunMode } from "../run-types";
import { attachedStream } from "../attached-stream";
import { newRun, readJsonObject, requireProgram, validateInputs, type AppContext, type AppEnv } from "../request";
import { runInWorker } from "../worker-run";

/** Largest sync answer (`POST /{program}`) in UTF-8 bytes; larger ones are a clear 502, never cut. */
export const MAX_SYNC_ANSWER_BYTES = 10_000_000;

function utf8Length(text: string): number {
  return text.length * 3 <= MAX_SYNC_ANSWER_BYTES ? text.length : new TextEncoder().encode(text).byteLength;
}

/** Validates the request: the program and its inputs, as a new run. */
async function prepare(c: AppContext, mode: RunMode) {
  const program = requireProgram(c.req.param("program")!);
  const inputs = validateInputs(program, await readJsonObject(c));
  return { program, init: newRun(c.env, program, mode, inputs) };
}

/** How a failed sync run answers: the LM's fault is a 502 (or its 429), anything else a 500. */
function failure(program: Program, runId: string, status: string, error: unknown, info: { type: string; message: string } | null): ApiError {
  const details = { run_id: runId, status, error: info, events_url: `/api/runs/${runId}/events` };
  const message = `${program.name} ${status}: ${info?.message ?? "unknown error"}`;
  if (status === "cancelled") return new ApiError(409, "run_cancelled", message, details);
  if (error instanceof LMError) {
    if (error.status !== 429) return new ApiError(502, "lm_error", message, details);
    // The LM's own Retry-After, in whole seconds, so the caller knows when to try again.
    const retryAfter: Record<string, string> = error.retryAfterMs !== undefined ? { "Retry-After": String(Math.ceil(error.retryAfterMs / 1000)) } : {};
    return new ApiError(429, "rate_limited", message, details, retryAfter);
  }
  if (error instanceof AdapterParseError) return new ApiError(502, "lm_parse_error", message, details);
  return new ApiError(500, "run_failed", message, details);
}

export const invokeRoutes = new Hono<AppEnv>()
  .post("/:program/stream", async (c) => {
    const { program, init } = await prepare(c, "attached");
    return attachedStream(c.env, init, program, (p) => c.executionCtx.waitUntil(p));
  })
  .post("/:program", async (c) => {
    const { program, init } = await prepare(c, "sync");
    const runId = init.run_id;
    const run = runInWorker({ env: c.env, init, program });
    // If the caller hangs up, the run still gets the platform's grace period to finish and be logged.
    c.executionCtx.waitUntil(run.catch(() => {}));
    const { end, error, outputs } = await run;
    if (end.status !== "succeeded") throw failure(program, runId, end.status, error, end.error);
    // The program's real outputs: the logged run_end may be cut to fit an event, an answer never is.
    const body = JSON.stringify({ run_id: runId, ...(outputs ?? end.outputs) });
    const bytes = utf8Length(body);
    if (bytes > MAX_SYNC_ANSWER_BYTES) {
      throw new ApiError(502, "answer_too_large", `${program.name} succeeded, but its answer is ${bytes} bytes, over the ${MAX_SYNC_ANSWER_BYTES}-byte limit of a sync answer. The run's log keeps the outputs, shortened: GET /api/runs/${runId}/events.`, {
        run_id: runId, bytes, max_bytes: MAX_SYNC_ANSWER_BYTES, events_url: `/api/runs/${runId}/events`,
      });
    }
    return new Response(body, { status: 200, headers: { "content-type": "application/json", "X-Run-Id": runId } });
  });
