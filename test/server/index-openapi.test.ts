// The per-program index (runs + metrics, written at start and end only), the
// OpenAPI document, and the SSE writer's keepalive.
import { afterEach, describe, expect, it } from "vitest";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import { percentile } from "../../src/server/program-index";
import { getProgram } from "../../src/programs/registry";
import { SseWriter } from "../../src/server/sse";
import { signatureInfo } from "../../src/server/program-info";
import { chat, gate, get, parseSse, post, scriptedProgram, until, type Scripted } from "./helpers";

let scripted: Scripted[] = [];
afterEach(() => {
  for (const s of scripted) s.remove();
  scripted = [];
});

interface IndexedRun { run_id: string; status: string; mode: string; duration_ms: number | null; usage: Record<string, { total_tokens: number }> }

describe("program index", () => {
  it("lists runs newest first with their status, and computes metrics", async () => {
    const g = gate();
    const p = scriptedProgram(() => new ChainOfThought("question -> answer"), async (req) => {
      const q = req.body.messages.at(-1)!.content;
      if (q.includes("slow")) await g.wait;
      return q.includes("bad") ? { status: 500 } : chat({ reasoning: "r", answer: "a" });
    });
    scripted.push(p);
    const ok1 = ((await (await post(`/${p.name}`, { question: "one" })).json()) as { run_id: string }).run_id;
    const bad = await post(`/${p.name}`, { question: "bad" });
    expect(bad.status).toBe(502);
    const ok2 = ((await (await post(`/${p.name}`, { question: "two" })).json()) as { run_id: string }).run_id;
    const slow = await post("/api/runs", { program: p.name, inputs: { question: "slow" } });
    const slowId = ((await slow.json()) as { run_id: string }).run_id;

    const list = async () => ((await (await get(`/api/programs/${p.name}/runs?limit=10`)).json()) as { runs: IndexedRun[] }).runs;
    const runs = await list();
    expect(runs.map((r) => r.status)).toEqual(["running", "succeeded", "failed", "succeeded"]);
    expect(runs[0]).toMatchObject({ run_id: slowId, mode: "durable", duration_ms: null });
    expect(runs[1].run_id).toBe(ok2);
    expect(runs[3].run_id).toBe(ok1);
    expect(runs[1].usage["scripted-model"].total_tokens).toBeGreaterThan(0);
    expect(((await (await get(`/api/programs/${p.name}/runs?limit=2`)).json()) as { runs: unknown[] }).runs).toHaveLength(2);
    expect((await get(`/api/programs/${p.name}/runs?limit=0`)).status).toBe(400);

    const metrics = async () => ((await (await get(`/api/programs/${p.name}/metrics`)).json()) as { metrics: Record<string, any> }).metrics;
    const m = await metrics();
    expect(m).toMatchObject({ calls: 4, running: 1, succeeded: 2, failed: 1, cancelled: 0, interrupted: 0, cost_usd: null });
    expect(m.error_rate).toBeCloseTo(1 / 3);
    expect(m.latency_ms.p50).not.toBeNull();
    expect(m.latency_ms.p95).toBeGreaterThanOrEqual(m.latency_ms.p50);
    expect(m.tokens.total).toBeGreaterThan(0);
    expect(m.tokens.total).toBe(m.tokens.prompt + m.tokens.completion);

    g.open();
    await until(list, (r) => r[0].status === "succeeded", "slow run recorded at its end");
    expect((await metrics()).running).toBe(0);
  });

  it("prices known models and uses nearest-rank percentiles", async () => {
    expect(percentile([10, 20, 30, 40], 0.5)).toBe(20);
    expect(percentile([10, 20, 30, 40], 0.95)).toBe(40);
    expect(percentile([], 0.5)).toBeNull();
    const { costOf } = await import("../../src/server/prices");
    expect(costOf({ "gpt-4o-mini": { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, total_tokens: 2_000_000 } })).toBeCloseTo(0.75);
    expect(costOf({ "demo/gpt-4o-mini": { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 } })).toBe(0);
    expect(costOf({ "mystery-model": { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 } })).toBeNull();
  });
});

describe("OpenAPI", () => {
  it("is 3.1 and describes every program's request and response from its signature", async () => {
    const doc = (await (await get("/openapi.json")).json()) as any;
    expect(doc.openapi).toBe("3.1.0");
    for (const path of ["/api/programs", "/api/runs", "/api/runs/{run_id}", "/api/runs/{run_id}/events", "/api/runs/{run_id}/cancel", "/health"]) {
      expect(doc.paths).toHaveProperty([path]);
    }
    const classify = getProgram("classify")!;
    const info = signatureInfo(classify.signature);
    const op = doc.paths["/classify"].post;
    expect(op.requestBody.content["application/json"].schema).toEqual(info.input_schema);
    expect(info.input_schema).toMatchObject({ type: "object", properties: { text: { type: "string" } }, required: ["text"] });
    const result = op.responses["200"].content["application/json"].schema;
    expect(result.properties.sentiment).toMatchObject({ enum: ["positive", "negative", "neutral"] });
    expect(result.properties.confidence).toMatchObject({ type: "number" });
    expect(result.required).toEqual(["run_id", "sentiment", "confidence"]);
    expect(doc.paths["/classify/stream"].post.responses["200"].content).toHaveProperty(["text/event-stream"]);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["400", "404", "413", "502"]));
  });
});

describe("SSE writer", () => {
  it("sends a `: ping` comment after silence", async () => {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const sse = new SseWriter(writable, { keepaliveMs: 20 });
    const frame = "id: 1\nevent: x\ndata: {}\n\n";
    expect(sse.send(frame)).toBe(true);
    const reader = readable.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes(": ping")) text += decoder.decode((await reader.read()).value);
    sse.close();
    expect(text).toBe(frame + ": ping\n\n");
    const parsed = parseSse(text);
    expect(parsed.frames).toHaveLength(1);
    expect(parsed.comments.map((c) => c.trim())).toEqual(["ping"]);
  });

  it("treats a failed write as the client leaving: onGone once, later sends refused", async () => {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    let gone = 0;
    const sse = new SseWriter(writable, { onGone: () => gone++ });
    await readable.cancel("client left");
    sse.send("data: 1\n\n");
    await until(() => Promise.resolve(gone), (n) => n > 0, "onGone");
    expect(sse.send("data: 2\n\n")).toBe(false);
    expect(gone).toBe(1);
  });
});
