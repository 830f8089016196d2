// A run as an OpenTelemetry trace (OTLP/HTTP JSON, GenAI semantic conventions):
// GET /api/runs/{id}/otlp, and the export the run's object sends after run_end
// from its alarm, with retries and backoff when the collector fails.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import { ReAct } from "../../src/dspy/react";
import { calculator } from "../../src/programs/tools/calculator";
import type { ServerEnv } from "../../src/server/env";
import { parseOtlpHeaders } from "../../src/server/otel-export";
import type { TraceExportState } from "../../src/server/otel-export-state";
import { runToOtlp, type AnyValue, type KeyValue, type OtlpSpan, type OtlpTraces } from "../../src/server/otlp";
import { runStub } from "../../src/server/request";
import type { RunObject } from "../../src/server/run-object";
import { chat, fetchWithEnv, get, heldReply, post, replay, scriptedPrograms, until } from "./helpers";

const script = scriptedPrograms();
afterEach(() => vi.restoreAllMocks());

/** A ReAct agent that calls the calculator once, then finishes, then extracts. */
function agentScript() {
  let step = 0;
  return script(
    () => new ReAct("question -> answer", { tools: [calculator], maxIters: 3 }),
    () => {
      step += 1;
      if (step === 1) return chat({ next_thought: "Compute it.", next_tool_name: "calculator", next_tool_args: '{"expression": "17 * 23"}' });
      if (step === 2) return chat({ next_thought: "Done.", next_tool_name: "finish", next_tool_args: "{}" });
      return chat({ reasoning: "17 * 23 = 391.", answer: "391" });
    },
  );
}

const attr = (span: OtlpSpan, key: string): AnyValue | undefined => span.attributes.find((a: KeyValue) => a.key === key)?.value;
const spansOf = (t: OtlpTraces) => t.resourceSpans[0].scopeSpans[0].spans;

async function syncRun(name: string, inputs: Record<string, unknown>): Promise<string> {
  const res = await post(`/${name}`, inputs);
  expect(res.status).toBe(200);
  return ((await res.json()) as { run_id: string }).run_id;
}

describe("GET /api/runs/{id}/otlp", () => {
  it("one trace per run: workflow root, module spans by path, chat CLIENT spans, execute_tool spans, adapter children", async () => {
    const s = agentScript();
    const runId = await syncRun(s.name, { question: "What is 17 * 23?" });
    const res = await get(`/api/runs/${runId}/otlp`);
    expect(res.status).toBe(200);
    const trace = (await res.json()) as OtlpTraces;
    expect(trace.resourceSpans[0].resource.attributes).toContainEqual({ key: "service.name", value: { stringValue: "dspy-edge" } });
    expect(trace.resourceSpans[0].scopeSpans[0].scope.name).toBe("dspy-edge");
    const spans = spansOf(trace);
    const events = (await replay(runId)).events;
    // Every call is a span, plus the root; one trace id, the run id; hex span ids; string nanos.
    expect(spans).toHaveLength(1 + events.filter((e) => e.type.endsWith("_start") && e.type !== "run_start").length);
    for (const span of spans) {
      expect(span.traceId).toBe(runId);
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(span.startTimeUnixNano).toMatch(/^\d{19}$/);
      expect(BigInt(span.endTimeUnixNano) >= BigInt(span.startTimeUnixNano)).toBe(true);
    }
    const ids = new Set(spans.map((x) => x.spanId));
    expect(ids.size).toBe(spans.length);
    const [root, ...rest] = spans;
    expect(root).toMatchObject({ name: `invoke_workflow ${s.name}`, kind: 1, status: { code: 0 } });
    expect(root.parentSpanId).toBeUndefined();
    expect(attr(root, "gen_ai.operation.name")).toEqual({ stringValue: "invoke_workflow" });
    expect(attr(root, "gen_ai.workflow.name")).toEqual({ stringValue: s.name });
    for (const span of rest) expect(ids.has(span.parentSpanId!)).toBe(true);

    const byName = (name: string) => spans.filter((x) => x.name === name);
    const [top] = byName(s.name);
    expect(top).toMatchObject({ kind: 1, parentSpanId: root.spanId });
    expect(attr(top, "dspy.module")).toEqual({ stringValue: "ReAct" });
    expect(byName(`${s.name}.react`)).toHaveLength(2);
    expect(byName(`${s.name}.extract.predict`)).toHaveLength(1);

    const chats = byName("chat scripted-model");
    expect(chats).toHaveLength(3);
    const lm = chats[0];
    expect(lm.kind).toBe(3);
    expect(attr(lm, "gen_ai.operation.name")).toEqual({ stringValue: "chat" });
    expect(attr(lm, "gen_ai.provider.name")).toEqual({ stringValue: "openai" });
    expect(attr(lm, "gen_ai.request.model")).toEqual({ stringValue: "scripted-model" });
    expect(attr(lm, "gen_ai.response.finish_reasons")).toEqual({ arrayValue: { values: [{ stringValue: "stop" }] } });
    const lmEnd = events.find((e) => e.type === "lm_end")!;
    expect(lmEnd.type === "lm_end" && lmEnd.usage).toBeTruthy();
    if (lmEnd.type !== "lm_end") return;
    expect(attr(lm, "gen_ai.usage.input_tokens")).toEqual({ intValue: String(lmEnd.usage!.prompt_tokens) });
    expect(attr(lm, "gen_ai.usage.output_tokens")).toEqual({ intValue: String(lmEnd.usage!.completion_tokens) });
    expect(attr(lm, "gen_ai.response.time_to_first_chunk")).toEqual({ doubleValue: expect.any(Number) });
    // The LM span sits inside its predictor, beside the adapter's format and parse spans.
    const siblings = spans.filter((x) => x.parentSpanId === lm.parentSpanId).map((x) => x.name);
    expect(siblings).toEqual(["format ChatAdapter", "chat scripted-model", "parse ChatAdapter"]);

    const tools = spans.filter((x) => x.name.startsWith("execute_tool "));
    expect(tools.map((x) => x.name)).toEqual(["execute_tool calculator", "execute_tool finish"]);
    expect(attr(tools[0], "gen_ai.operation.name")).toEqual({ stringValue: "execute_tool" });
    expect(attr(tools[0], "gen_ai.tool.name")).toEqual({ stringValue: "calculator" });
    // No content unless asked for.
    const keys = spans.flatMap((x) => x.attributes.map((a) => a.key));
    expect(keys).not.toContain("gen_ai.input.messages");
    expect(keys).not.toContain("gen_ai.tool.call.arguments");
    expect(JSON.stringify(trace)).not.toContain("17 * 23");
  });

  it("a failing call carries error.type and an error status, up to the root", async () => {
    const s = script(() => new ChainOfThought("question -> answer"), () => "not the format at all");
    const res = await post(`/${s.name}`, { question: "x" });
    expect(res.status).toBe(502);
    const failed = ((await res.json()) as { error: { details: { run_id: string } } }).error.details.run_id;
    const spans = spansOf((await (await get(`/api/runs/${failed}/otlp`)).json()) as OtlpTraces);
    const root = spans[0];
    expect(root.status).toMatchObject({ code: 2, message: expect.stringContaining("failed to parse") });
    expect(attr(root, "error.type")).toEqual({ stringValue: "AdapterParseError" });
    const parse = spans.filter((x) => x.name.startsWith("parse "));
    expect(parse.at(-1)!.status.code).toBe(2);
    expect(attr(parse.at(-1)!, "error.type")).toEqual({ stringValue: "AdapterParseError" });
  });

  it("request parameters as OTLP-typed attributes; nanos exact past 2^53; calls left open by an interrupted run end with it", () => {
    const runId = "ab".repeat(16);
    const base = { run_id: runId };
    const lmCall = { call_id: "c1".repeat(16), parent_id: null, name: "gpt-4o-mini" };
    const trace = runToOtlp([
      { ...base, seq: 1, ts: 1_796_000_000_000, type: "run_start", program: "p", module: "Predict", inputs: {} },
      { ...base, seq: 2, ts: 1_796_000_000_010, type: "lm_start", ...lmCall, model: "gpt-4o-mini", messages: [], params: { temperature: 1, max_tokens: 256, n: 3, top_p: 0.5, stop: "END" } },
      { ...base, seq: 3, ts: 1_796_000_000_260, type: "lm_delta", ...lmCall, delta: "x" },
      { ...base, seq: 4, ts: 1_796_000_001_000, type: "run_end", status: "interrupted", outputs: null, error: { type: "RunInterrupted", message: "gone" }, usage: {}, duration_ms: 1000 },
    ]);
    const [root, lm] = spansOf(trace);
    expect(root.startTimeUnixNano).toBe("1796000000000000000");
    expect(attr(lm, "gen_ai.request.temperature")).toEqual({ doubleValue: 1 });
    expect(attr(lm, "gen_ai.request.top_p")).toEqual({ doubleValue: 0.5 });
    expect(attr(lm, "gen_ai.request.max_tokens")).toEqual({ intValue: "256" });
    expect(attr(lm, "gen_ai.request.choice.count")).toEqual({ intValue: "3" });
    expect(attr(lm, "gen_ai.request.stop_sequences")).toEqual({ arrayValue: { values: [{ stringValue: "END" }] } });
    expect(lm).toMatchObject({ endTimeUnixNano: "1796000001000000000", status: { code: 2 } });
    expect(attr(lm, "error.type")).toEqual({ stringValue: "Unfinished" });
    expect(attr(root, "error.type")).toEqual({ stringValue: "RunInterrupted" });
  });

  it("content only with OTEL_CAPTURE_CONTENT: messages, completions, tool args and results", async () => {
    const s = agentScript();
    const runId = await syncRun(s.name, { question: "What is 17 * 23?" });
    const res = await fetchWithEnv({ OTEL_CAPTURE_CONTENT: "true", OTEL_EXPORTER_OTLP_HEADERS: "x-secret=hunter2hunter2" }, `/api/runs/${runId}/otlp`);
    const spans = spansOf((await res.json()) as OtlpTraces);
    const lm = spans.find((x) => x.name === "chat scripted-model")!;
    const input = JSON.parse((attr(lm, "gen_ai.input.messages") as { stringValue: string }).stringValue);
    expect(input[0]).toMatchObject({ role: "system", parts: [{ type: "text", content: expect.stringContaining("Your input fields are") }] });
    const output = JSON.parse((attr(lm, "gen_ai.output.messages") as { stringValue: string }).stringValue);
    expect(output[0]).toMatchObject({ role: "assistant", finish_reason: "stop", parts: [{ type: "text", content: expect.stringContaining("calculator") }] });
    const tool = spans.find((x) => x.name === "execute_tool calculator")!;
    expect(attr(tool, "gen_ai.tool.call.arguments")).toEqual({ stringValue: '{"expression":"17 * 23"}' });
    expect(attr(tool, "gen_ai.tool.call.result")).toEqual({ stringValue: "391" });
    expect(JSON.stringify(spans)).not.toContain("hunter2");
  });

  it("404 for an unknown run", async () => {
    expect((await get(`/api/runs/${"0".repeat(32)}/otlp`)).status).toBe(404);
  });
});

describe("OTLP export from the run's object", () => {
  type Sent = { url: string; headers: Headers; body: OtlpTraces };
  /** The collector: answers each POST with the next status; other fetches pass through. */
  function collector(statuses: number[], extraHeaders: Record<string, string> = {}) {
    const sent: Sent[] = [];
    const real = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const req = new Request(input as RequestInfo, init);
      if (!req.url.startsWith("http://collector.test/")) return real(input as RequestInfo, init);
      sent.push({ url: req.url, headers: req.headers, body: (await req.json()) as OtlpTraces });
      return new Response(null, { status: statuses.shift() ?? 200, headers: extraHeaders });
    });
    return sent;
  }

  /** A durable run whose object has the exporter configured, held in its LM call until `finish()`. */
  async function configuredRun(overrides: Partial<ServerEnv> = {}) {
    const g = heldReply(chat({ reasoning: "r", answer: "a" }));
    const s = script(() => new ChainOfThought("question -> answer"), g.respond);
    const res = await post("/api/runs", { program: s.name, inputs: { question: "q" } });
    const runId = ((await res.json()) as { run_id: string }).run_id;
    const stub = runStub(env as ServerEnv, runId);
    await runInDurableObject(stub, (obj: RunObject) => {
      const o = obj as unknown as { env: ServerEnv };
      o.env = { ...o.env, OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector.test/", OTEL_EXPORTER_OTLP_HEADERS: "authorization=Basic%20abc%3D,x-team=ml", ...overrides };
    });
    const finish = async () => {
      g.open();
      await until(() => stub.summary() as Promise<{ status: string } | null>, (r) => r?.status === "succeeded", "run end");
    };
    const state = () => stub.traceExportState() as Promise<TraceExportState | null>;
    /** Lets the retry's time come (the test does not wait out the backoff). */
    const due = () => runInDurableObject(stub, (_o, st) => void st.storage.sql.exec("UPDATE otel_export SET next_at = 0"));
    /**
     * Runs the object's alarm until attempt `n` is recorded. The alarm set at
     * run_end may also fire on its own meanwhile; either way one attempt is made.
     */
    const attempt = async (n: number) => {
      await runDurableObjectAlarm(stub);
      return until(state, (st) => (st?.attempts ?? 0) >= n, `export attempt ${n}`);
    };
    return { runId, stub, finish, state, due, attempt };
  }

  it("after run_end, the alarm posts the run's trace to {endpoint}/v1/traces with the configured headers", async () => {
    const sent = collector([200]);
    const run = await configuredRun();
    await run.finish();
    await run.attempt(1);
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe("http://collector.test/v1/traces");
    expect(sent[0].headers.get("content-type")).toBe("application/json");
    expect(sent[0].headers.get("authorization")).toBe("Basic abc=");
    expect(sent[0].headers.get("x-team")).toBe("ml");
    const downloaded = (await (await get(`/api/runs/${run.runId}/otlp`)).json()) as OtlpTraces;
    expect(sent[0].body).toEqual(downloaded);
    expect(await run.state()).toMatchObject({ status: "sent", attempts: 1, next_at: null });
    // Retention is the alarm's business again.
    expect(await runDurableObjectAlarm(run.stub)).toBe(true);
    expect(sent).toHaveLength(1);
  });

  it("retries a failing collector with backoff (honouring Retry-After), then sends", async () => {
    const sent = collector([503, 429, 200], { "retry-after": "30" });
    const run = await configuredRun();
    await run.finish();
    const before = Date.now();
    const first = (await run.attempt(1))!;
    expect(first).toMatchObject({ status: "pending", attempts: 1, last_error: expect.stringContaining("HTTP 503") });
    // Retry-After: 30 s, far beyond the first 2 s backoff (workerd's clock only moves on I/O, hence the margin).
    expect(first.next_at! - before).toBeGreaterThan(25_000);
    // Not due yet: the alarm does not send early.
    await runDurableObjectAlarm(run.stub);
    expect(sent).toHaveLength(1);
    await run.due();
    expect(await run.attempt(2)).toMatchObject({ status: "pending", attempts: 2, last_error: expect.stringContaining("HTTP 429") });
    await run.due();
    expect(await run.attempt(3)).toMatchObject({ status: "sent", attempts: 3 });
    expect(sent).toHaveLength(3);
    expect(sent[2].body).toEqual(sent[0].body);
  });

  it("gives up at once on a status the collector will not change its mind about (400)", async () => {
    const sent = collector([400]);
    const run = await configuredRun();
    await run.finish();
    expect(await run.attempt(1)).toMatchObject({ status: "failed", attempts: 1, next_at: null, last_error: expect.stringContaining("HTTP 400") });
    await runDurableObjectAlarm(run.stub);
    expect(sent).toHaveLength(1);
  });

  it("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is; without an endpoint nothing is scheduled", async () => {
    const sent = collector([200]);
    const run = await configuredRun({ OTEL_EXPORTER_OTLP_ENDPOINT: undefined, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector.test/custom/path" });
    await run.finish();
    await run.attempt(1);
    expect(sent.map((x) => x.url)).toEqual(["http://collector.test/custom/path"]);
    const plain = script(() => new ChainOfThought("question -> answer"), () => chat({ reasoning: "r", answer: "a" }));
    const runId = await syncRun(plain.name, { question: "q" });
    expect(await runStub(env as ServerEnv, runId).traceExportState()).toBeNull();
  });

  it("parses OTEL_EXPORTER_OTLP_HEADERS as the OTel spec writes it", () => {
    expect(parseOtlpHeaders("api-key=abc, x-b = 1%2C2 ,broken,=nokey")).toEqual({ "api-key": "abc", "x-b": "1,2" });
    expect(parseOtlpHeaders(undefined)).toEqual({});
  });
});
