// A program's DSPy saved state without a code change: PUT stores a file
// written by Python DSPy's `program.save("x.json")` in the program's index
// Durable Object, and every new run loads it in place of the bundled state;
// GET returns the state the program runs, in the same format; DELETE goes
// back to the bundled state. Changing a program for every caller needs the
// API token: without API_TOKEN configured, PUT and DELETE are refused.
import { Hono } from "hono";
import { checkMetadata, SavedStateError, type SavedState } from "../../dspy/saved-state";
import type { Program } from "../../programs/define";
import { ApiError } from "../api-error";
import { programIndex, stateInfo, uploadedState } from "../program-state";
import { readJsonObject, requireProgram, type AppContext, type AppEnv } from "../request";

function requireWriteAccess(c: AppContext): void {
  // The auth middleware has already checked the token when one is configured.
  if (!c.env.API_TOKEN) {
    throw new ApiError(
      403,
      "state_upload_disabled",
      "Setting a program's state changes it for every caller: configure the API_TOKEN secret (and send it as `Authorization: Bearer`) to enable PUT/DELETE /api/programs/{name}/state.",
    );
  }
}

/** Applies the file to a fresh module as DSPy's load would; 422 naming the reason when it cannot be. */
function check(program: Program, state: SavedState): string[] {
  const warnings: string[] = [];
  try {
    checkMetadata(state, (m) => warnings.push(m));
    program.create(state, (m) => warnings.push(m));
  } catch (error) {
    if (error instanceof SavedStateError) {
      throw new ApiError(422, error.code, error.message, { program: program.name, path: error.path ?? null });
    }
    throw error;
  }
  return warnings;
}

export const programStateRoutes = new Hono<AppEnv>()
  .get("/:name/state", async (c) => {
    const program = requireProgram(c.req.param("name"));
    const uploaded = await uploadedState(c.env, program.name);
    if (!uploaded && !program.state) {
      throw new ApiError(404, "no_state", `Program "${program.name}" runs as written in code: no saved state is bundled or uploaded.`);
    }
    // The state it runs, re-saved: what DSPy's load would keep (no unsafe LM keys), with this runtime's metadata.
    const text = program.create(uploaded?.state).save();
    return c.body(text, 200, { "content-type": "application/json; charset=utf-8" });
  })
  .put("/:name/state", async (c) => {
    const program = requireProgram(c.req.param("name"));
    requireWriteAccess(c);
    const state = await readJsonObject(c);
    const warnings = check(program, state);
    const updatedAt = Date.now();
    await programIndex(c.env, program.name).putSavedState(JSON.stringify(state), updatedAt);
    return c.json({ program: program.name, state: stateInfo(program, { state, updated_at: updatedAt }), warnings });
  })
  .delete("/:name/state", async (c) => {
    const program = requireProgram(c.req.param("name"));
    requireWriteAccess(c);
    const removed = await programIndex(c.env, program.name).deleteSavedState();
    return c.json({ program: program.name, removed, state: stateInfo(program, null) });
  });
