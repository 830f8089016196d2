// POST /mcp over real HTTP against `wrangler dev` (demo LM), with the MCP SDK's
// own client: the 2025 initialize handshake and the 2026-07-28 revision,
// tools/list, tools/call on a ChainOfThought and a ReAct program with progress,
// and the errors an agent host sees. (No browser: this suite is the one that
// runs against wrangler dev.)
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, inject, it } from "vitest";
import { fetchLog } from "./helpers";

const baseURL = inject("baseURL");
const open: Client[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => {});
});

async function connect(modern = false): Promise<Client> {
  const client = new Client({ name: "e2e", version: "1.0.0" }, modern ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {});
  await client.connect(new StreamableHTTPClientTransport(new URL(`${baseURL}/mcp`)));
  open.push(client);
  return client;
}

type Progress = { progress: number; message?: string };

describe("MCP over HTTP (wrangler dev)", () => {
  it("initializes (2025 handshake) and lists every program as a tool", async () => {
    const client = await connect();
    expect(client.getServerVersion()).toMatchObject({ name: "dspy-edge" });
    expect(client.getServerCapabilities()?.tools).toBeDefined();
    const { tools } = await client.listTools();
    const programs = ((await (await fetch(`${baseURL}/api/programs`)).json()) as { programs: { name: string; signature: { input_schema: unknown } }[] }).programs;
    expect(tools.map((t) => t.name)).toEqual(programs.map((p) => p.name));
    for (const p of programs) expect(tools.find((t) => t.name === p.name)!.inputSchema).toMatchObject(p.signature.input_schema as object);
  });

  it("calls a ChainOfThought program: outputs, reasoning, the run's permalink, progress; the run is in the log", async () => {
    const client = await connect();
    const progress: Progress[] = [];
    const result = await client.callTool({ name: "reason", arguments: { question: "What is 17 * 23?" } }, { onprogress: (p) => progress.push(p) });
    expect(result.isError).toBeFalsy();
    const out = result.structuredContent as { run_id: string; reasoning: string; answer: string };
    expect(typeof out.reasoning).toBe("string");
    expect(typeof out.answer).toBe("string");
    const url = `${baseURL}/runs/${out.run_id}`;
    expect((result.content as { text?: string }[])[0].text).toContain(`answer: ${out.answer}`);
    expect(result.content).toContainEqual(expect.objectContaining({ type: "resource_link", uri: url }));
    expect(progress.map((p) => p.message)).toEqual(["reason (ChainOfThought)", "reason.predict (Predict)"]);
    const page = await fetch(url);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const log = await fetchLog(baseURL, out.run_id);
    expect(log[0]).toMatchObject({ type: "run_start", program: "reason", inputs: { question: "What is 17 * 23?" } });
    expect(log.at(-1)).toMatchObject({ type: "run_end", status: "succeeded", outputs: { answer: out.answer, reasoning: out.reasoning } });
  });

  it("calls a ReAct program over the 2026-07-28 revision: progress moves through iterations and tools", async () => {
    const client = await connect(true);
    const progress: Progress[] = [];
    const result = await client.callTool({ name: "agent", arguments: { question: "Convert 10 km to miles" } }, { onprogress: (p) => progress.push(p) });
    expect(result.isError).toBeFalsy();
    const out = result.structuredContent as { run_id: string; answer: string; trajectory: Record<string, unknown> };
    expect(Object.keys(out.trajectory)).toContain("tool_name_0");
    const messages = progress.map((p) => p.message);
    expect(messages[0]).toBe("agent (ReAct)");
    expect(messages).toContain("tool finish");
    expect(progress.map((p) => p.progress)).toEqual(progress.map((_, i) => i + 1));
    // One progress step per module or tool start in the run's own log.
    const log = await fetchLog(baseURL, out.run_id);
    expect(progress.length).toBe(log.filter((e) => e.type === "module_start" || e.type === "tool_start").length);
  });

  it("errors: an unknown tool, bad arguments, a GET", async () => {
    const client = await connect();
    // A JSON-RPC error (invalid params), as the spec asks for an unknown tool.
    await expect(client.callTool({ name: "nope", arguments: {} })).rejects.toThrow(/Tool nope not found/);
    const bad = await client.callTool({ name: "classify", arguments: { text: 42 } });
    expect(bad.isError).toBe(true);
    expect((bad.content as { text: string }[])[0].text).toMatch(/Input validation error/);
    const get = await fetch(`${baseURL}/mcp`, { headers: { accept: "text/event-stream" } });
    expect(get.status).toBe(405);
  });
});
