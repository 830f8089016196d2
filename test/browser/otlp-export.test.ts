// The OTLP exporter for real: `wrangler dev` with OTEL_EXPORTER_OTLP_ENDPOINT
// pointing at a local OTLP/HTTP receiver this test starts. The receiver fails
// the first POST, so the run's object must retry from its alarm. The same
// server has API_TOKEN set, so the MCP endpoint's auth is checked here too.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, type DevServer } from "../../scripts/dev-server";
import type { KeyValue, OtlpTraces } from "../../src/server/otlp";

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: OtlpTraces;
  answered: number;
}

const TOKEN = "e2e-token-0123456789";
let receiver: Server;
let dev: DevServer;
const received: Received[] = [];
/** Statuses for successive POSTs; 200 once they run out. */
const answers = [503];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let text = "";
    req.on("data", (d) => (text += d));
    req.on("end", () => {
      const answered = answers.shift() ?? 200;
      received.push({ path: req.url ?? "", headers: req.headers, body: JSON.parse(text) as OtlpTraces, answered });
      res.writeHead(answered, { "content-type": "application/json" }).end(answered === 200 ? "{}" : '{"message":"try later"}');
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, "127.0.0.1", ok));
  const { port } = receiver.address() as { port: number };
  dev = await startDevServer({
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=collector%20key",
    API_TOKEN: TOKEN,
    DEMO_LM_DELAY_MS: "0",
  });
}, 180_000);

afterAll(async () => {
  await dev?.stop();
  await new Promise((ok) => receiver?.close(ok));
});

const auth = { authorization: `Bearer ${TOKEN}` };
const str = (attrs: KeyValue[], key: string) => (attrs.find((a) => a.key === key)?.value as { stringValue?: string } | undefined)?.stringValue;

describe("OTLP export against a local receiver", () => {
  it("a finished ReAct run arrives as one trace with GenAI attributes, after a retry", async () => {
    const res = await fetch(`${dev.url}/agent`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ question: "What is 17 * 23?" }) });
    expect(res.status).toBe(200);
    const { run_id } = (await res.json()) as { run_id: string };
    // First POST fails (503); the object's alarm retries after its backoff.
    await expect.poll(() => received.filter((r) => r.body.resourceSpans[0].scopeSpans[0].spans[0].traceId === run_id).length, { timeout: 60_000, interval: 250 }).toBe(2);
    const [failed, sent] = received.filter((r) => r.body.resourceSpans[0].scopeSpans[0].spans[0].traceId === run_id);
    expect(failed.answered).toBe(503);
    expect(sent.answered).toBe(200);
    expect(sent.body).toEqual(failed.body);
    expect(sent.path).toBe("/v1/traces");
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.headers["x-api-key"]).toBe("collector key");

    const spans = sent.body.resourceSpans[0].scopeSpans[0].spans;
    expect(spans[0].name).toBe("invoke_workflow agent");
    expect(spans.every((s) => s.traceId === run_id && /^[0-9a-f]{16}$/.test(s.spanId))).toBe(true);
    const chat = spans.find((s) => s.name === "chat demo/gpt-4o-mini")!;
    expect(chat.kind).toBe(3);
    expect(chat.attributes.map((a) => a.key)).toEqual(
      expect.arrayContaining(["gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.response.finish_reasons", "gen_ai.response.time_to_first_chunk"]),
    );
    const tools = spans.filter((s) => s.name.startsWith("execute_tool "));
    expect(tools.length).toBeGreaterThan(0);
    expect(tools.map((s) => str(s.attributes, "gen_ai.tool.name"))).toContain("finish");
    // The download route gives the same payload.
    const download = await fetch(`${dev.url}/api/runs/${run_id}/otlp`, { headers: auth });
    expect(await download.json()).toEqual(sent.body);
    expect(JSON.stringify(sent.body)).not.toContain(TOKEN);
  });

  it("POST /mcp needs the API token like every API route", async () => {
    const anonymous = new Client({ name: "e2e", version: "1.0.0" });
    await expect(anonymous.connect(new StreamableHTTPClientTransport(new URL(`${dev.url}/mcp`)))).rejects.toThrow(/401|nauthorized/);
    const client = new Client({ name: "e2e", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${dev.url}/mcp`), { requestInit: { headers: auth } }));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("agent");
    await client.close();
  });
});
