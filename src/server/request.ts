// Helpers the routes share: reading bodies, finding programs and runs,
// validating inputs — each failing with the API's JSON error.
import type { Context } from "hono";
import { InputValidationError } from "../dspy/errors";
import type { Program } from "../programs/define";
import { getProgram, listPrograms } from "../programs/registry";
import { ApiError } from "./api-error";
import type { ServerEnv } from "./env";
import type { RunInit, RunMode } from "./run-types";

export type AppEnv = { Bindings: ServerEnv };
export type AppContext = Context<AppEnv>;

/** 128 random bits, hex: unguessable, and safe in URLs and object names. */
export function newRunId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** What newRunId makes (also the OpenAPI pattern of `run_id`). */
export const RUN_ID_PATTERN = "^[0-9a-f]{32}$";
const RUN_ID = new RegExp(RUN_ID_PATTERN);

export function isRunId(id: string): boolean {
  return RUN_ID.test(id);
}

/** A new run of `program` with validated inputs: what its Durable Object is created with. */
export function newRun(env: ServerEnv, program: Program, mode: RunMode, inputs: Record<string, unknown>): RunInit {
  return { run_id: newRunId(), program: program.name, module: program.kind, model: program.lm(env).model, mode, inputs };
}

export function runStub(env: ServerEnv, runId: string) {
  return env.RUNS.get(env.RUNS.idFromName(runId));
}

/** The stub of an existing-looking run id; 404 for anything that cannot be one. */
export function requireRunStub(c: AppContext, runId: string) {
  if (!isRunId(runId)) throw new ApiError(404, "run_not_found", `No run with id "${runId}"`);
  return runStub(c.env, runId);
}

/** `application/json`, with or without parameters (charset). */
const JSON_TYPE = /^application\/json\s*(?:;|$)/i;

export async function readJsonObject(c: AppContext): Promise<Record<string, unknown>> {
  // A JSON-only API: the types an HTML form can send without a preflight (text/plain…) never start anything.
  const type = c.req.header("content-type") ?? "";
  if (!JSON_TYPE.test(type.trim())) {
    throw new ApiError(415, "unsupported_media_type", `Send the body as JSON with \`Content-Type: application/json\`${type ? ` (got "${type.slice(0, 100)}")` : ""}.`, {
      content_type: type ? type.slice(0, 100) : null,
    });
  }
  const text = await c.req.text();
  if (!text.trim()) throw new ApiError(400, "bad_json", "The request body is empty; send a JSON object.");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, "bad_json", `The request body is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "bad_json", "The request body must be a JSON object.");
  }
  return body as Record<string, unknown>;
}

export function requireProgram(name: string): Program {
  const program = getProgram(name);
  if (!program) {
    const names = listPrograms().map((p) => p.name);
    throw new ApiError(404, "program_not_found", `No program named "${name}". Programs: ${names.join(", ")}.`, { programs: names });
  }
  return program;
}

/**
 * The inputs the signature declares, parsed; 400 with one issue per bad field otherwise.
 * Beyond DSPy: a required `str` that is empty or only whitespace is refused too, since
 * no program can answer a blank question (an Optional one may be blank).
 */
export function validateInputs(program: Program, body: unknown): Record<string, unknown> {
  const blank: { field: string; message: string }[] = [];
  if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    for (const field of program.signature.inputFields) {
      const value = (body as Record<string, unknown>)[field.name];
      if (field.type.kind === "str" && typeof value === "string" && value.trim() === "") {
        blank.push({ field: field.name, message: `must not be empty or only whitespace (${field.typeName})` });
      }
    }
  }
  let issues = blank;
  let message = "";
  try {
    const inputs = program.signature.validateInputs(body);
    if (!blank.length) return inputs;
  } catch (e) {
    if (!(e instanceof InputValidationError)) throw e;
    issues = [...blank, ...e.issues];
    message = e.message;
  }
  if (!message) {
    message = `Invalid inputs for signature "${program.signature.toString()}": ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`;
  } else if (blank.length) {
    message += `; ${blank.map((i) => `${i.field}: ${i.message}`).join("; ")}`;
  }
  throw new ApiError(400, "invalid_inputs", message, { issues });
}

/** `Last-Event-ID` header or `?after=`: a non-negative integer, else 400. */
export function resumePoint(c: AppContext): number {
  // The header wins (EventSource sends it on reconnect); an empty one counts as absent.
  const raw = c.req.header("last-event-id")?.trim() || c.req.query("after");
  if (raw === undefined || raw.trim() === "") return 0;
  if (!/^\d{1,15}$/.test(raw.trim())) {
    throw new ApiError(400, "bad_last_event_id", `Last-Event-ID / after must be a non-negative integer (an event seq), got "${raw.slice(0, 40)}".`);
  }
  return Number(raw.trim());
}
