// POST /mcp inside workerd: the SDK's own client (through the app's fetch), so
// the SDK's JSON-schema validation is exercised where code generation is
// forbidden; tools mirror the programs; auth, Origin and GET answers.
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import { listPrograms } from "../../src/programs/registry";
import app from "../../src/index";
import type { ServerEnv } from "../../src/server/env";
import { resultInfo, signatureInfo } from "../../src/server/program-info";
import { chat, replay, scriptedPrograms } from "./helpers";

const script = scriptedPrograms();

/** The app as an HTTP peer: every request goes through the Worker's fetch with `overrides` in its env. */
function appFetch(overrides: Partial<ServerEnv> = {}): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(input, init), { ...env, ...overrides } as ServerEnv, ctx);
    // Background work (the run's log) finishes before the test looks at it; the body may still stream.
    void waitOnExecutionContext(ctx);
    return res;
  }) as typeof fetch;
}

const open: Client[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => {});
});

async function connect(overrides: Partial<ServerEnv> = {}, headers: Record<string, string> = {}, modern = false): Promise<Client> {
  const client = new Client(
    { name: "dspy-edge-test", version: "1.0.0" },
    modern ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {},
  );
  const transport = new StreamableHTTPClientTransport(new URL("http://test/mcp"), {
    fetch: appFetch(overrides),
    requestInit: { headers },
  });
  await client.connect(transport);
  open.push(client);
  return client;
}

describe("POST /mcp in workerd", () => {
  it("lists one tool per program with the signature's JSON schemas", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(listPrograms().map((p) => p.name).sort());
    const reason = tools.find((t) => t.name === "reason")!;
    const program = listPrograms().find((p) => p.name === "reason")!;
    expect(reason.description).toContain(program.description);
    expect(reason.inputSchema).toMatchObject(signatureInfo(program.signature).input_schema);
    expect(reason.outputSchema?.required).toEqual(["run_id", ...(resultInfo(program.resultFields).schema.required as string[])]);
  });

  it("runs a program: structured outputs, a text rendering, the run id and its permalink; the run is logged", async () => {
    const s = script(() => new ChainOfThought("question -> answer: int"), () => chat({ reasoning: "2+2", answer: 4 }));
    const client = await connect();
    const progress: { progress: number; message?: string }[] = [];
    const result = await client.callTool({ name: s.name, arguments: { question: "2+2?" } }, { onprogress: (p) => progress.push(p) });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as Record<string, unknown>;
    expect(structured).toMatchObject({ reasoning: "2+2", answer: 4 });
    const runId = structured.run_id as string;
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    const [text, link] = result.content as [{ type: string; text: string }, { type: string; uri: string }];
    expect(text.text).toContain("answer: 4");
    expect(text.text).toContain(`http://test/runs/${runId}`);
    expect(link).toMatchObject({ type: "resource_link", uri: `http://test/runs/${runId}` });
    expect(progress.map((p) => p.message)).toEqual([`${s.name} (ChainOfThought)`, `${s.name}.predict (Predict)`]);
    expect(progress.map((p) => p.progress)).toEqual([1, 2]);
    const log = (await replay(runId)).events;
    expect(log[0]).toMatchObject({ type: "run_start", program: s.name, inputs: { question: "2+2?" } });
    expect(log.at(-1)).toMatchObject({ type: "run_end", status: "succeeded" });
  });

  it("validates arguments with the JSON schema (no code generation in workerd) and the signature", async () => {
    const client = await connect();
    const missing = await client.callTool({ name: "qa", arguments: {} });
    expect(missing.isError).toBe(true);
    // The SDK's message from the cfworker validator: the schema was checked in workerd.
    expect(JSON.stringify(missing.content)).toContain('Instance does not have required property \\"question\\"');
    const mistyped = await client.callTool({ name: "classify", arguments: { text: ["not a string"] } });
    expect(mistyped.isError).toBe(true);
    expect(JSON.stringify(mistyped.content)).toMatch(/text/);
  });

  it("answers a failing run with a tool error naming the cause and the run", async () => {
    const s = script(() => new ChainOfThought("question -> answer"), () => "no fields at all");
    const client = await connect();
    const result = await client.callTool({ name: s.name, arguments: { question: "x" } });
    expect(result.isError).toBe(true);
    const text = (result.content as { text: string }[])[0].text;
    expect(text).toMatch(new RegExp(`^${s.name} failed: AdapterParseError: `));
    expect(text).toMatch(/Run [0-9a-f]{32}: http:\/\/test\/runs\//);
  });

  it("an unknown tool is an error", async () => {
    const client = await connect();
    await expect(client.callTool({ name: "nope", arguments: {} })).rejects.toThrow(/Tool nope not found/);
  });

  it("serves the 2026-07-28 revision too, with progress", async () => {
    const s = script(() => new ChainOfThought("question -> answer"), () => chat({ reasoning: "r", answer: "a" }));
    const client = await connect({}, {}, true);
    const progress: string[] = [];
    const result = await client.callTool({ name: s.name, arguments: { question: "q" } }, { onprogress: (p) => progress.push(p.message ?? "") });
    expect(result.structuredContent).toMatchObject({ answer: "a" });
    expect(progress).toHaveLength(2);
  });

  it("needs the API token when one is set", async () => {
    await expect(connect({ API_TOKEN: "s3cret" })).rejects.toThrow(/401|nauthorized/);
    const client = await connect({ API_TOKEN: "s3cret" }, { Authorization: "Bearer s3cret" });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it("refuses a browser page from an origin not allowed (loopback pages too, unless listed), allows listed origins; GET is 405", async () => {
    const init = { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) };
    const f = appFetch();
    const foreign = await f("http://test/mcp", { ...init, headers: { ...init.headers, origin: "https://evil.example" } });
    expect(foreign.status).toBe(403);
    // Starting a run is starting a run: the API's origin rule holds here too (the inspector's own page must be listed).
    await expect(connect({}, { Origin: "http://localhost:6274" })).rejects.toThrow(/403|origin_not_allowed/);
    await expect(connect({ CORS_ORIGINS: "http://localhost:6274" }, { Origin: "http://localhost:6274" })).resolves.toBeDefined();
    await expect(connect({ CORS_ORIGINS: "https://app.example" }, { Origin: "https://app.example" })).resolves.toBeDefined();
    const hostLocked = await appFetch({ MCP_ALLOWED_HOSTS: "mcp.example" })("http://test/mcp", init);
    expect(hostLocked.status).toBe(403);
    expect((await f("http://test/mcp")).status).toBe(405);
  });
});
