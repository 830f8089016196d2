// The per-program index (runs + metrics, written at start and end only) and
// the OpenAPI document.
import { describe, expect, it } from "vitest";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import { percentile, type IndexedRun, type ProgramMetrics } from "../../src/server/program-index";
import { getProgram } from "../../src/programs/registry";
import { signatureInfo } from "../../src/server/program-info";
import { RunSummary } from "../../src/server/run-types";
import { EVENT_TYPES } from "../../src/dspy/events";
import { chat, gate, get, post, scriptedPrograms, until } from "./helpers";

const script = scriptedPrograms();

describe("program index", () => {
  it("lists runs newest first with their status, and computes metrics", async () => {
    const g = gate();
    const p = script(() => new ChainOfThought("question -> answer"), async (req) => {
      const q = req.body.messages.at(-1)!.content;
      if (q.includes("slow")) await g.wait;
      return q.includes("bad") ? { status: 500 } : chat({ reasoning: "r", answer: "a" });
    });
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

    const metrics = async () => ((await (await get(`/api/programs/${p.name}/metrics`)).json()) as { metrics: ProgramMetrics }).metrics;
    const m = await metrics();
    expect(m).toMatchObject({ calls: 4, running: 1, succeeded: 2, failed: 1, cancelled: 0, interrupted: 0, cost_usd: null });
    expect(m.error_rate).toBeCloseTo(1 / 3);
    // Nearest-rank percentiles over the succeeded runs' own durations; the failed run has its own.
    const durations = [runs[1], runs[3]].map((r) => r.duration_ms!).sort((a, b) => a - b);
    expect(m.latency_ms).toEqual({ p50: durations[0], p95: durations[1] });
    expect(m.latency_by_status.succeeded).toEqual({ runs: 2, p50: durations[0], p95: durations[1] });
    expect(m.latency_by_status.failed).toEqual({ runs: 1, p50: runs[2].duration_ms, p95: runs[2].duration_ms });
    expect(m.latency_by_status.cancelled).toEqual({ runs: 0, p50: null, p95: null });
    const total = (r: IndexedRun) => Object.values(r.usage).reduce((t, u) => t + u.total_tokens, 0);
    expect(m.tokens.total).toBeGreaterThan(0);
    expect(m.tokens.total).toBe(runs.slice(1).reduce((t, r) => t + total(r), 0));
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

  it("describes events and run summaries with the schemas that define them", async () => {
    const doc = (await (await get("/openapi.json")).json()) as any;
    const { RunEvent, RunSummary: summarySchema } = doc.components.schemas;
    const types = RunEvent.oneOf.map((v: any) => v.properties.type.const);
    expect(types.sort()).toEqual([...EVENT_TYPES].sort());
    for (const v of RunEvent.oneOf) expect(v.required).toEqual(expect.arrayContaining(["run_id", "seq", "ts", "type"]));
    // A real summary has exactly the documented fields, and passes the schema they come from.
    const { run_id } = (await (await post("/qa", { question: "hi" })).json()) as { run_id: string };
    const summary = await (await get(`/api/runs/${run_id}`)).json();
    expect(Object.keys(summary as object).sort()).toEqual(Object.keys(summarySchema.properties).sort());
    expect(summarySchema.required.sort()).toEqual(Object.keys(summarySchema.properties).sort());
    expect(RunSummary.parse(summary)).toMatchObject({ run_id, status: "succeeded", mode: "sync" });
  });
});
