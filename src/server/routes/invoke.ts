// Running a program from a Worker request: `POST /{program}` (sync JSON,
// dspy-cli compatible) and `POST /{program}/stream` (attached SSE).
import { Hono } from "hono";
import { AdapterParseError, LMError } from "../../dspy/errors";
import type { Program } from "../../programs/define";
import { ApiError } from "../api-error";
import type { RunMode } from "../run-types";
import { newRun, readJsonObject, requireProgram, runStub, validateInputs, type AppContext, type AppEnv } from "../request";
import { SSE_HEADERS, SseWriter, retryFrame } from "../sse";
import { runInWorker } from "../worker-run";

/** Largest sync answer (`POST /{program}`) in UTF-8 bytes; larger ones are a clear 502, never cut. */
export const MAX_SYNC_ANSWER_BYTES = 10_000_000;

function utf8Length(text: string): number {
  return text.length * 3 <= MAX_SYNC_ANSWER_BYTES ? text.length : new TextEncoder().encode(text).byteLength;
}

/**
 * Validates the request and starts creating the run's object. The creation is
 * not awaited: the run starts (and the client gets its first events) at once,
 * and the driver's first append waits for it, so the log misses nothing.
 */
async function prepare(c: AppContext, mode: RunMode) {
  const program = requireProgram(c.req.param("program")!);
  const inputs = validateInputs(program, await readJsonObject(c));
  const init = newRun(c.env, program, mode, inputs);
  const stub = runStub(c.env, init.run_id);
  const ready = stub.init(init);
  ready.catch((e) => console.error(`run ${init.run_id}: its object could not be created`, e));
  return { program, inputs, runId: init.run_id, stub, ready };
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
    const { program, inputs, runId, stub, ready } = await prepare(c, "attached");
    // Writes are never awaited: the Response must go out before the first one
    // completes, and a client that left must not stop the run (it keeps appending).
    const sse = new SseWriter();
    sse.send(retryFrame());
    const run = runInWorker({ env: c.env, stub, runId, program, inputs, ready, onFrame: (frame) => sse.send(frame) })
      .catch((e) => console.error(`attached run ${runId} failed outside the program`, e))
      .finally(() => sse.close());
    c.executionCtx.waitUntil(run);
    return new Response(sse.readable, { headers: { ...SSE_HEADERS, "X-Run-Id": runId } });
  })
  .post("/:program", async (c) => {
    const { program, inputs, runId, stub, ready } = await prepare(c, "sync");
    const run = runInWorker({ env: c.env, stub, runId, program, inputs, ready });
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
