// Runs by id: durable start, status, the resumable event stream, cancel.
import { Hono } from "hono";
import { ApiError } from "../api-error";
import type { RunSummary } from "../run-types";
import { newRun, readJsonObject, requireProgram, requireRunStub, resumePoint, runStub, validateInputs, type AppEnv } from "../request";

export const runRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    const body = await readJsonObject(c);
    if (typeof body.program !== "string") {
      throw new ApiError(400, "invalid_request", "Send {program, inputs}: `program` must be a program name.", {
        issues: [{ field: "program", message: "required string" }],
      });
    }
    const program = requireProgram(body.program);
    const init = newRun(c.env, program, "durable", validateInputs(program, body.inputs ?? {}));
    const runId = init.run_id;
    await runStub(c.env, runId).startDurable(init);
    return c.json({ run_id: runId, events_url: `/api/runs/${runId}/events`, run_url: `/api/runs/${runId}` }, 202, {
      "X-Run-Id": runId,
      Location: `/api/runs/${runId}`,
    });
  })
  .get("/:id", async (c) => {
    const run = await requireRunStub(c, c.req.param("id")).summary();
    if (!run) throw new ApiError(404, "run_not_found", `No run with id "${c.req.param("id")}" (it may have expired)`);
    return c.json(run);
  })
  .get("/:id/events", async (c) => {
    const stub = requireRunStub(c, c.req.param("id"));
    const after = resumePoint(c);
    const res = await stub.fetch(`https://run/events?after=${after}`);
    // A stub's response has immutable headers; re-wrap so CORS can add its own.
    return new Response(res.body, res);
  })
  .post("/:id/cancel", async (c) => {
    // RPC typing cannot express `unknown` values (inputs); the shape is RunSummary.
    const run = (await requireRunStub(c, c.req.param("id")).cancel()) as RunSummary | null;
    if (!run) throw new ApiError(404, "run_not_found", `No run with id "${c.req.param("id")}"`);
    const cancelling = run.status === "running";
    return c.json({ run_id: run.run_id, status: run.status, cancel_requested: run.cancel_requested }, cancelling ? 202 : 200);
  });
