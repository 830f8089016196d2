// POST /api/playground: resend an LM prompt with edited messages or parameters,
// as a run of its own (mode `playground`), answered as SSE like POST /{program}/stream.
import { Hono } from "hono";
import { ApiError } from "../api-error";
import { PlaygroundRequest, playgroundProgram } from "../playground";
import { newRunId, readJsonObject, requireProgram, type AppEnv } from "../request";
import type { RunInit } from "../run-types";
import { attachedStream } from "../attached-stream";

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
  return attachedStream(c.env, init, program, (p) => c.executionCtx.waitUntil(p));
});
