// POST /api/playground: resend an LM prompt with edited messages or parameters,
// as a run of its own (mode `playground`), answered as SSE like POST /{program}/stream.
import { Hono } from "hono";
import { ApiError } from "../api-error";
import { PlaygroundRequest, playgroundProgram } from "../playground";
import { newRunId, readJsonObject, requireProgram, runStub, type AppEnv } from "../request";
import type { RunInit } from "../run-types";
import { SSE_HEADERS, SseWriter, eventFrame, retryFrame } from "../sse";
import { runInWorker } from "../worker-run";

export const playgroundRoutes = new Hono<AppEnv>().post("/", async (c) => {
  const parsed = PlaygroundRequest.safeParse(await readJsonObject(c));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.map(String).join(".") || "body", message: i.message }));
    throw new ApiError(400, "invalid_playground_request", `Invalid playground request: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`, { issues });
  }
  const req = parsed.data;
  const base = requireProgram(req.program);
  const program = playgroundProgram(base);
  const inputs = { messages: req.messages, params: req.params, ...(req.from ? { from: req.from } : {}) };
  const init: RunInit = { run_id: newRunId(), program: base.name, module: program.kind, model: base.lm(c.env).model, mode: "playground", inputs };
  const runId = init.run_id;
  const stub = runStub(c.env, runId);
  // Not awaited: the first append waits for it, the client's first byte does not.
  const ready = stub.init(init);
  ready.catch((e) => console.error(`playground run ${runId}: its object could not be created`, e));
  const sse = new SseWriter();
  sse.send(retryFrame());
  const run = runInWorker({ env: c.env, stub, runId, program, inputs, ready, onFrame: (frame) => sse.send(frame) })
    .catch((e) => console.error(`playground run ${runId} failed outside the program`, e))
    .finally(() => sse.close());
  c.executionCtx.waitUntil(run);
  return new Response(sse.readable, { headers: { ...SSE_HEADERS, "X-Run-Id": runId } });
});
