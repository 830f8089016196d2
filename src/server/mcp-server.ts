// The MCP server: every program is a tool. One server per HTTP request
// (stateless); `tools/call` runs the program through the same driver and run
// object as `POST /{program}`, so the run is logged, listed and viewable at its
// permalink like any other.
import { McpServer, fromJsonSchema, type CallToolResult, type ServerContext } from "@modelcontextprotocol/server";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
import type { RunEvent } from "../dspy/events";
import type { Program } from "../programs/define";
import { listPrograms } from "../programs/registry";
import type { ServerEnv } from "./env";
import { resultInfo, signatureInfo } from "./program-info";
import { newRun, runStub, validateInputs } from "./request";
import { ApiError } from "./api-error";
import { runInWorker } from "./worker-run";

export interface McpRequestScope {
  env: ServerEnv;
  /** Where permalinks point: the origin the client reached us at. */
  origin: string;
  /** Keeps a run alive (and logging) for the platform's grace if the client hangs up. */
  waitUntil: (promise: Promise<unknown>) => void;
}

/**
 * Workers forbid code generation (`new Function`), which AJV needs; this
 * validator interprets schemas instead. Stateless, so one is shared.
 */
const validator = new CfWorkerJsonSchemaValidator();

export function createMcpServer(scope: McpRequestScope): McpServer {
  const server = new McpServer(
    { name: "dspy-edge", version: "0.1.0" },
    {
      jsonSchemaValidator: validator,
      instructions: "Each tool runs one dspy-edge program. Every call is logged as a run; the result links to its live trace.",
    },
  );
  for (const program of listPrograms()) registerProgramTool(server, program, scope);
  return server;
}

/** The tool's output: the run id beside everything the run returns (the `POST /{program}` body). */
function outputSchemaOf(program: Program): Record<string, unknown> {
  const { schema } = resultInfo(program.resultFields);
  return {
    ...schema,
    properties: { run_id: { type: "string", description: "The run's id; its trace is at /runs/{run_id}" }, ...(schema.properties as object) },
    required: ["run_id", ...((schema.required as string[]) ?? [])],
  };
}

function registerProgramTool(server: McpServer, program: Program, scope: McpRequestScope): void {
  const sig = signatureInfo(program.signature);
  server.registerTool(
    program.name,
    {
      title: program.name,
      description: `${program.description} (${program.kind}; signature: ${sig.text})`,
      inputSchema: fromJsonSchema<Record<string, unknown>>(sig.input_schema as never, validator),
      outputSchema: fromJsonSchema<Record<string, unknown>>(outputSchemaOf(program) as never, validator),
      annotations: { title: program.name, readOnlyHint: false, openWorldHint: true },
    },
    (args, ctx) => callProgram(program, args, ctx, scope),
  );
}

async function callProgram(
  program: Program,
  args: Record<string, unknown>,
  ctx: ServerContext,
  scope: McpRequestScope,
): Promise<CallToolResult> {
  let inputs: Record<string, unknown>;
  try {
    // The JSON schema already passed; this applies the signature's own parsing (and its error texts).
    inputs = validateInputs(program, args ?? {});
  } catch (e) {
    if (e instanceof ApiError) return toolError(`Invalid arguments for ${program.name}: ${issuesText(e)}`);
    throw e;
  }
  const init = newRun(scope.env, program, "sync", inputs);
  const runId = init.run_id;
  const progress = progressReporter(ctx);
  const run = runInWorker({ env: scope.env, init, program, onFrame: (_frame, event) => progress?.(event) });
  scope.waitUntil(run.catch(() => {}));
  // A client's cancellation of the call cancels the run (its LM request aborts).
  const onAbort = () => void runStub(scope.env, runId).cancel().catch(() => {});
  ctx.mcpReq.signal.addEventListener("abort", onAbort, { once: true });
  try {
    const { end } = await run;
    const url = `${scope.origin}/runs/${runId}`;
    const link = { type: "resource_link" as const, uri: url, name: `run ${runId}`, description: `The trace of this ${program.name} run`, mimeType: "text/html" };
    const meta = { "dspy-edge/run_id": runId, "dspy-edge/run_url": url };
    if (end.status !== "succeeded") {
      const why = end.error ? `${end.error.type}: ${end.error.message}` : "no error recorded";
      return { isError: true, content: [{ type: "text", text: `${program.name} ${end.status}: ${why}\n\nRun ${runId}: ${url}` }, link], _meta: meta };
    }
    const outputs = end.outputs ?? {};
    return {
      content: [{ type: "text", text: `${renderOutputs(outputs)}\n\nRun ${runId}: ${url}` }, link],
      structuredContent: { run_id: runId, ...outputs },
      _meta: meta,
    };
  } finally {
    ctx.mcpReq.signal.removeEventListener("abort", onAbort);
  }
}

/**
 * One MCP progress notification per module step (a module or tool starting),
 * when the client asked for progress with a token. The total is unknown: a
 * ReAct loop decides its own length.
 */
function progressReporter(ctx: ServerContext): ((event: RunEvent) => void) | undefined {
  const token = ctx.mcpReq._meta?.progressToken;
  if (token === undefined) return undefined;
  let step = 0;
  return (event) => {
    let message: string;
    if (event.type === "module_start") message = `${event.name} (${event.module})`;
    else if (event.type === "tool_start") message = `tool ${event.tool}`;
    else return;
    step += 1;
    ctx.mcpReq
      .notify({ method: "notifications/progress", params: { progressToken: token, progress: step, message } })
      .catch(() => {});
  };
}

function renderOutputs(outputs: Record<string, unknown>): string {
  return Object.entries(outputs)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v, null, 2)}`)
    .join("\n");
}

function issuesText(e: ApiError): string {
  const issues = (e.details as { issues?: { field: string; message: string }[] } | null)?.issues;
  return issues?.length ? issues.map((i) => `${i.field}: ${i.message}`).join("; ") : e.message;
}

function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text }] };
}
