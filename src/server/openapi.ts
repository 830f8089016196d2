// The OpenAPI 3.1 document: fixed routes plus, per program, `POST /{name}` and
// `POST /{name}/stream` with request/response schemas from its signature.
import { RunEvent } from "../dspy/events";
import { listPrograms } from "../programs/registry";
import type { ServerEnv } from "./env";
import { jsonSchemaOf, resultInfo, signatureInfo } from "./program-info";
import { RUN_ID_PATTERN } from "./request";
import { PlaygroundRequest } from "./playground";
import { RunSummary } from "./run-types";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, description: string) => ({ description, content: { "application/json": { schema } } });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((code) => [String(code), json(ref("Error"), ERROR_TEXT[code] ?? "Error")]));
const ERROR_TEXT: Record<number, string> = {
  400: "Bad JSON, or inputs that do not match the signature (field-level `details.issues`)",
  401: "Missing or wrong API token, or not the Bearer scheme (only when API_TOKEN is set)",
  403: "A browser request from an origin that is neither this server's nor in CORS_ORIGINS, or setting a program's state while no API_TOKEN is configured",
  404: "Unknown program or run",
  409: "The run was cancelled",
  413: "Body larger than 1 MB",
  415: "The body is not Content-Type: application/json",
  422: "The saved state does not fit the program (error.code says why: missing_key, missing_metadata, custom_lm_class, …)",
  429: "Rate limited by the LM provider (its Retry-After is passed on)",
  500: "The program failed (a tool or module error); details carry the run id",
  502: "The LM failed or answered in a form that could not be parsed, or the answer is over 10 MB",
};
const sse = (description: string) => ({
  description,
  headers: { "X-Run-Id": { schema: { type: "string" }, description: "The run's id (for resume and cancel)" } },
  content: {
    "text/event-stream": {
      schema: { type: "string", description: "SSE frames: `id: <seq>`, `event: <type>`, `data: <RunEvent JSON>`" },
      "x-event-schema": ref("RunEvent"),
    },
  },
});
const runIdParam = { name: "run_id", in: "path", required: true, schema: { type: "string", pattern: RUN_ID_PATTERN } };

export function openApiDocument(env: ServerEnv, origin: string) {
  const programs = listPrograms();
  const paths: Record<string, unknown> = {
    "/health": { get: { summary: "Liveness", security: [], responses: { 200: json({ type: "object" }, "OK") } } },
    "/api/programs": {
      get: { summary: "Programs with their signatures, module kind, model and streaming default", responses: { 200: json({ type: "object" }, "The catalogue"), ...errors(401) } },
    },
    "/api/programs/{name}/runs": {
      get: {
        summary: "A program's recent runs, newest first",
        parameters: [
          { name: "name", in: "path", required: true, schema: { type: "string" } },
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 200, default: 20 } },
          { name: "q", in: "query", schema: { type: "string", maxLength: 200 }, description: "Text in the inputs or outputs (case-insensitive)" },
          { name: "status", in: "query", schema: { type: "string" }, description: "Comma-separated statuses, e.g. failed,interrupted" },
          { name: "feedback", in: "query", schema: { enum: ["up", "down", "any"] } },
          { name: "window", in: "query", schema: { enum: ["hour", "day", "week", "all"], default: "all" } },
          { name: "before", in: "query", schema: { type: "string" }, description: "The next_before of the previous page" },
        ],
        responses: { 200: json({ type: "object" }, "Runs, newest first, and next_before (null on the last page)"), ...errors(400, 401, 404) },
      },
    },
    "/api/programs/{name}/state": {
      get: {
        summary: "The DSPy saved state the program runs (bundled or uploaded), in DSPy's save() format",
        parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
        responses: { 200: json({ type: "object" }, "A file DSPy's load() reads"), ...errors(401, 404) },
      },
      put: {
        summary: "Set the program's state from a file Python DSPy saved; new runs load it in place of the bundled one",
        parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
        requestBody: { required: true, content: { "application/json": { schema: { type: "object", description: "The JSON DSPy's program.save(\"x.json\") wrote" } } } },
        responses: { 200: json({ type: "object" }, "{program, state, warnings}"), ...errors(400, 401, 403, 404, 413, 422) },
      },
      delete: {
        summary: "Remove the uploaded state: runs go back to the bundled one (or none)",
        parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
        responses: { 200: json({ type: "object" }, "{program, removed, state}"), ...errors(401, 403, 404) },
      },
    },
    "/api/programs/{name}/metrics": {
      get: {
        summary: "Calls, outcomes, p50/p95 latency per status, tokens, estimated cost and feedback",
        parameters: [
          { name: "name", in: "path", required: true, schema: { type: "string" } },
          { name: "window", in: "query", schema: { enum: ["hour", "day", "week", "all"], default: "all" } },
        ],
        responses: { 200: json({ type: "object" }, "Metrics"), ...errors(400, 401, 404) },
      },
    },
    "/api/prices": {
      get: { summary: "The versioned price table cost estimates come from (USD per million tokens)", responses: { 200: json({ type: "object" }, "Prices"), ...errors(401) } },
    },
    "/api/playground": {
      post: {
        summary: "Resend an LM prompt with edited messages or parameters, as a run of its own (mode playground), answered as SSE",
        requestBody: { required: true, content: { "application/json": { schema: jsonSchemaOf(PlaygroundRequest) } } },
        responses: { 200: sse("The playground run's events (X-Run-Id header)"), ...errors(400, 401, 404, 413) },
      },
    },
    "/api/runs/{run_id}/feedback": {
      post: {
        summary: "Thumbs up/down and a note on a run, stored with the run and in its program's index",
        parameters: [runIdParam],
        requestBody: {
          required: true,
          content: { "application/json": { schema: { type: "object", properties: { rating: { enum: ["up", "down", null] }, note: { type: "string", maxLength: 2000 } } } } },
        },
        responses: { 200: json({ type: "object" }, "The stored feedback"), ...errors(400, 401, 404) },
      },
    },
    "/api/runs": {
      post: {
        summary: "Start a durable run: its Durable Object drives it, with or without a client",
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: {
                oneOf: programs.map((p) => ({
                  type: "object",
                  required: ["program", "inputs"],
                  properties: { program: { const: p.name }, inputs: signatureInfo(p.signature).input_schema },
                })),
              },
            },
          },
        },
        responses: {
          202: json({ type: "object", required: ["run_id", "events_url"], properties: { run_id: { type: "string" }, events_url: { type: "string" } } }, "Started"),
          ...errors(400, 401, 403, 404, 413, 415),
        },
      },
    },
    "/api/runs/{run_id}": {
      get: { summary: "Status, inputs, outputs, usage and event counts", parameters: [runIdParam], responses: { 200: json(ref("RunSummary"), "The run"), ...errors(401, 404) } },
    },
    "/api/runs/{run_id}/events": {
      get: {
        summary: "Replay the run's events after Last-Event-ID (or ?after=), then follow it live until run_end",
        parameters: [
          runIdParam,
          { name: "Last-Event-ID", in: "header", schema: { type: "integer", minimum: 0 } },
          { name: "after", in: "query", schema: { type: "integer", minimum: 0 } },
          { name: "token", in: "query", schema: { type: "string" }, description: "API token for EventSource (which cannot send headers)" },
        ],
        responses: {
          200: sse("The event stream"),
          204: { description: "The run has ended and has no events after the resume point (stops an EventSource from reconnecting)" },
          ...errors(400, 401, 404),
        },
      },
    },
    "/api/runs/{run_id}/export": {
      get: {
        summary: "The run as a file: its summary and every event (json: one document; jsonl: a header line, then one event per line)",
        parameters: [runIdParam, { name: "format", in: "query", schema: { type: "string", enum: ["json", "jsonl"], default: "json" } }],
        responses: { 200: json({ type: "object" }, "The run file (Content-Disposition: attachment)"), ...errors(400, 401, 404) },
      },
    },
    "/api/runs/import": {
      post: {
        summary: "Reopen an exported run file as a new, read-only run (mode imported); at most 16 MB",
        requestBody: { required: true, content: { "application/json": { schema: { type: "object" } }, "application/x-ndjson": { schema: { type: "string" } } } },
        responses: {
          201: json({ type: "object", required: ["run_id", "imported_from"], properties: { run_id: { type: "string" }, imported_from: { type: "string" }, run_url: { type: "string" }, events_url: { type: "string" } } }, "Imported"),
          ...errors(400, 401, 413),
        },
      },
    },
    "/api/runs/{run_id}/otlp": {
      get: { summary: "The run as an OpenTelemetry trace (OTLP/HTTP JSON, GenAI semantic conventions): what the exporter sends", parameters: [runIdParam], responses: { 200: json({ type: "object" }, "ExportTraceServiceRequest"), ...errors(401, 404) } },
    },
    "/mcp": {
      post: {
        summary: "MCP Streamable HTTP (stateless): every program is a tool; tools/call runs it and links its trace",
        requestBody: { required: true, content: { "application/json": { schema: { type: "object", description: "A JSON-RPC message" } } } },
        responses: { 200: { description: "JSON-RPC response (application/json, or text/event-stream when progress is sent)" }, 202: { description: "Notification accepted" }, 403: { description: "Origin or Host not allowed" }, ...errors(401) },
      },
    },
    "/api/runs/{run_id}/cancel": {
      post: { summary: "Cancel a live run (LM requests abort; run_end status cancelled)", parameters: [runIdParam], responses: { 200: json({ type: "object" }, "Already finished"), 202: json({ type: "object" }, "Cancelling"), ...errors(401, 403, 404) } },
    },
  };
  for (const p of programs) {
    const sig = signatureInfo(p.signature);
    const body = { required: true, content: { "application/json": { schema: sig.input_schema } } };
    // Everything the module's Prediction carries, not just the signature's outputs.
    const { schema: outputs } = resultInfo(p.resultFields);
    const result = {
      ...outputs,
      properties: { run_id: { type: "string" }, ...(outputs.properties as object) },
      required: ["run_id", ...((outputs.required as string[]) ?? [])],
    };
    paths[`/${p.name}`] = {
      post: {
        operationId: `run_${p.name}`,
        summary: `${p.description} Signature: ${sig.text}`,
        tags: [p.name],
        requestBody: body,
        responses: { 200: json(result, "The outputs, with the run id"), ...errors(400, 401, 403, 404, 409, 413, 415, 429, 500, 502) },
      },
    };
    paths[`/${p.name}/stream`] = {
      post: {
        operationId: `stream_${p.name}`,
        summary: `${p.name}, streamed: every event as SSE while it runs`,
        tags: [p.name],
        requestBody: body,
        responses: { 200: sse("Events until run_end"), ...errors(400, 401, 403, 404, 413, 415) },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "dspy-edge",
      version: "0.1.0",
      description: "DSPy-style programs on Cloudflare Workers; every step of a run streamed as SSE and kept for resume.",
    },
    servers: [{ url: origin }],
    ...(env.API_TOKEN ? { security: [{ bearer: [] }] } : {}),
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message", "details"],
              properties: { code: { type: "string" }, message: { type: "string" }, details: {} },
            },
          },
        },
        RunEvent: jsonSchemaOf(RunEvent),
        RunSummary: jsonSchemaOf(RunSummary),
      },
    },
  };
}
