// The program catalogue and each program's index (recent runs, metrics).
import { Hono } from "hono";
import { listPrograms } from "../../programs/registry";
import { ApiError } from "../api-error";
import type { IndexedRun } from "../program-index";
import { programInfo } from "../program-info";
import { uploadedState } from "../program-state";
import { requireProgram, type AppEnv } from "../request";

const indexOf = (env: AppEnv["Bindings"], name: string) => env.PROGRAM_INDEX.get(env.PROGRAM_INDEX.idFromName(name));

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
    const raw = c.req.query("limit") ?? "20";
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 200) {
      throw new ApiError(400, "invalid_limit", "limit must be an integer from 1 to 200", { issues: [{ field: "limit", message: `got "${raw}"` }] });
    }
    const runs = (await indexOf(c.env, program.name).runs(Number(raw))) as IndexedRun[];
    return c.json({ program: program.name, runs: runs.map((r) => ({ program: program.name, ...r })) });
  })
  .get("/:name/metrics", async (c) => {
    const program = requireProgram(c.req.param("name"));
    return c.json({ program: program.name, metrics: await indexOf(c.env, program.name).metrics() });
  });
