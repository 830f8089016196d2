// The program catalogue and each program's index (recent runs, search, metrics).
import { Hono } from "hono";
import { RunStatus } from "../../dspy/events";
import { listPrograms } from "../../programs/registry";
import { ApiError } from "../api-error";
import { isCursor, TIME_WINDOWS, type RunPage, type RunQuery, type TimeWindow } from "../program-index";
import { programInfo } from "../program-info";
import { uploadedState } from "../program-state";
import { requireProgram, type AppContext, type AppEnv } from "../request";

const indexOf = (env: AppEnv["Bindings"], name: string) => env.PROGRAM_INDEX.get(env.PROGRAM_INDEX.idFromName(name));

function badQuery(field: string, message: string, got: string): ApiError {
  return new ApiError(400, `invalid_${field}`, `${field} ${message}`, { issues: [{ field, message: `got "${got.slice(0, 80)}"` }] });
}

function windowOf(c: AppContext): TimeWindow {
  const raw = c.req.query("window") ?? "all";
  if (!(raw in TIME_WINDOWS)) throw badQuery("window", `must be one of ${Object.keys(TIME_WINDOWS).join(", ")}`, raw);
  return raw as TimeWindow;
}

/** GET …/runs query: every parameter checked, each failure a 400 naming it. */
function runQuery(c: AppContext): RunQuery {
  const limit = c.req.query("limit") ?? "20";
  if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 200) throw badQuery("limit", "must be an integer from 1 to 200", limit);
  const statuses = (c.req.query("status") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of statuses) {
    if (!RunStatus.safeParse(s).success) throw badQuery("status", `must be a comma-separated list of ${RunStatus.options.join(", ")}`, s);
  }
  const q = c.req.query("q")?.trim() || null;
  if (q && q.length > 200) throw badQuery("q", "must be at most 200 characters", q);
  const before = c.req.query("before") || null;
  if (before && !isCursor(before)) throw badQuery("before", "must be the next_before of a previous page", before);
  const feedback = c.req.query("feedback") || null;
  if (feedback && !["up", "down", "any"].includes(feedback)) throw badQuery("feedback", "must be up, down or any", feedback);
  return {
    limit: Number(limit),
    status: statuses as RunStatus[],
    q,
    before,
    feedback: feedback as RunQuery["feedback"],
    window: windowOf(c),
  };
}

export const programRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const programs = listPrograms();
    const uploaded = await Promise.all(programs.map((p) => uploadedState(c.env, p.name)));
    return c.json({ programs: programs.map((p, i) => programInfo(p, c.env, uploaded[i])) });
  })
  .get("/:name", async (c) => {
    const program = requireProgram(c.req.param("name"));
    return c.json(programInfo(program, c.env, await uploadedState(c.env, program.name)));
  })
  .get("/:name/runs", async (c) => {
    const program = requireProgram(c.req.param("name"));
    const page = (await indexOf(c.env, program.name).runs(runQuery(c))) as RunPage;
    return c.json({ program: program.name, runs: page.runs.map((r) => ({ program: program.name, ...r })), next_before: page.next_before });
  })
  .get("/:name/metrics", async (c) => {
    const program = requireProgram(c.req.param("name"));
    return c.json({ program: program.name, metrics: await indexOf(c.env, program.name).metrics(windowOf(c)) });
  });
