// POST /api/runs/{id}/feedback: thumbs up/down and a note, stored with the run
// (its object) and in its program's index (lists, search by feedback, metrics).
import { Hono } from "hono";
import { ApiError } from "../api-error";
import { readJsonObject, requireRunStub, type AppEnv } from "../request";
import type { RunSummary } from "../run-types";

const MAX_NOTE = 2000;

export const feedbackRoutes = new Hono<AppEnv>().post("/:id/feedback", async (c) => {
  const body = await readJsonObject(c);
  const issues: { field: string; message: string }[] = [];
  const rating = body.rating ?? null;
  if (rating !== null && rating !== "up" && rating !== "down") issues.push({ field: "rating", message: `must be "up", "down" or null, got ${JSON.stringify(rating).slice(0, 40)}` });
  const note = body.note ?? "";
  if (typeof note !== "string") issues.push({ field: "note", message: "must be a string" });
  else if (note.length > MAX_NOTE) issues.push({ field: "note", message: `must be at most ${MAX_NOTE} characters, got ${note.length}` });
  if (!issues.length && rating === null && !(note as string).trim()) issues.push({ field: "rating", message: "give a rating, a note, or both" });
  if (issues.length) throw new ApiError(400, "invalid_feedback", `Invalid feedback: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`, { issues });
  const id = c.req.param("id");
  const feedback = { rating: rating as "up" | "down" | null, note: (note as string).trim(), at: Date.now() };
  const run = (await requireRunStub(c, id).setFeedback(feedback)) as RunSummary | null;
  if (!run) throw new ApiError(404, "run_not_found", `No run with id "${id}" (it may have expired)`);
  return c.json({ run_id: run.run_id, feedback: run.feedback });
});
