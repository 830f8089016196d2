// Finding runs in a program's index: search over inputs and outputs, status and
// feedback filters, cursor paging, time windows; feedback on runs; metrics split
// by status with cost estimates; blank required inputs refused with the others.
import { describe, expect, it } from "vitest";
import { Predict } from "../../src/dspy/predict";
import type { IndexedRun, ProgramMetrics } from "../../src/server/program-index";
import type { RunSummary } from "../../src/server/run-types";
import { chat, get, post, scriptedPrograms } from "./helpers";

const script = scriptedPrograms();

type Page = { runs: IndexedRun[]; next_before: string | null };
const page = async (path: string) => (await (await get(path)).json()) as Page;
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string; details: any } }).error;

/** A Predict program whose answer echoes the question upper-cased; "fail" in it makes the LM 500. */
function echo() {
  return script(() => new Predict("question -> answer"), (req) => {
    const q = /\[\[ ## question ## \]\]\n(.*)/.exec(req.body.messages.at(-1)!.content)![1];
    return q.includes("fail") ? { status: 500 } : chat({ answer: `ANSWER ${q.toUpperCase()}` });
  });
}

async function runAll(name: string, questions: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const question of questions) {
    const res = await post(`/${name}`, { question });
    const body = (await res.json()) as { run_id?: string; error?: { details: { run_id: string } } };
    ids.push(body.run_id ?? body.error!.details.run_id);
  }
  return ids;
}

describe("GET /api/programs/{name}/runs", () => {
  it("searches inputs and outputs, filters by status, and pages by cursor without repeats", async () => {
    const p = echo();
    const ids = await runAll(p.name, ["zebra one", "apple two", "zebra three fail", "banana four", "zebra five"]);
    const base = `/api/programs/${p.name}/runs`;

    const zebra = await page(`${base}?q=ZEBRA`);
    expect(zebra.runs.map((r) => r.run_id)).toEqual([ids[4], ids[2], ids[0]]);
    // Outputs are searched too ("ANSWER BANANA FOUR" is only in the answer's case), and kept on the row.
    const answer = await page(`${base}?q=answer%20banana`);
    expect(answer.runs.map((r) => r.run_id)).toEqual([ids[3]]);
    expect(answer.runs[0].outputs).toEqual({ answer: "ANSWER BANANA FOUR" });
    expect(answer.runs[0]).toMatchObject({ lm_calls: 1, cost_usd: null, feedback: null });

    const failed = await page(`${base}?status=failed`);
    expect(failed.runs.map((r) => [r.run_id, r.status])).toEqual([[ids[2], "failed"]]);
    expect(failed.runs[0].error?.message).toMatch(/500/);
    expect((await page(`${base}?status=failed,succeeded&q=zebra`)).runs).toHaveLength(3);

    // Pages of two: every run exactly once, newest first, and the last page says so.
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const next: Page = await page(`${base}?limit=2${cursor ? `&before=${cursor}` : ""}`);
      seen.push(...next.runs.map((r) => r.run_id));
      cursor = next.next_before;
      if (!cursor) break;
    }
    expect(seen).toEqual([...ids].reverse());
    expect(cursor).toBeNull();

    expect((await page(`${base}?window=hour`)).runs).toHaveLength(5);
  });

  it("answers a bad query parameter with a 400 naming it", async () => {
    const p = echo();
    const base = `/api/programs/${p.name}/runs`;
    for (const [query, field] of [
      ["status=done", "status"],
      ["before=yesterday", "before"],
      ["window=year", "window"],
      ["feedback=maybe", "feedback"],
      [`q=${"x".repeat(201)}`, "q"],
      ["limit=500", "limit"],
    ]) {
      const res = await get(`${base}?${query}`);
      expect(res.status, query).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe(`invalid_${field}`);
      expect(error.details.issues[0].field).toBe(field);
    }
    expect((await get(`/api/programs/${p.name}/metrics?window=forever`)).status).toBe(400);
  });
});

describe("POST /api/runs/{id}/feedback", () => {
  it("stores thumbs and a note with the run and in the index, counted in metrics and filterable", async () => {
    const p = echo();
    const [good, bad, plain] = await runAll(p.name, ["q one", "q two", "q three"]);
    const res = await post(`/api/runs/${good}/feedback`, { rating: "up", note: "  exactly right  " });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { run_id: string; feedback: { rating: string; note: string; at: number } };
    expect(body).toMatchObject({ run_id: good, feedback: { rating: "up", note: "exactly right" } });
    expect((await post(`/api/runs/${bad}/feedback`, { rating: "down" })).status).toBe(200);
    // A second verdict replaces the first.
    await post(`/api/runs/${bad}/feedback`, { rating: "down", note: "wrong city" });

    const summary = (await (await get(`/api/runs/${good}`)).json()) as RunSummary;
    expect(summary.feedback).toMatchObject({ rating: "up", note: "exactly right" });
    expect(((await (await get(`/api/runs/${plain}`)).json()) as RunSummary).feedback).toBeNull();

    const base = `/api/programs/${p.name}/runs`;
    expect((await page(`${base}?feedback=up`)).runs.map((r) => r.run_id)).toEqual([good]);
    expect((await page(`${base}?feedback=any`)).runs.map((r) => r.run_id)).toEqual([bad, good]);
    expect((await page(`${base}?feedback=down`)).runs[0].feedback).toMatchObject({ rating: "down", note: "wrong city" });

    const { metrics } = (await (await get(`/api/programs/${p.name}/metrics?window=day`)).json()) as { metrics: ProgramMetrics };
    expect(metrics).toMatchObject({ window: "day", calls: 3, feedback: { up: 1, down: 1, notes: 2 }, lm_calls: 3 });
  });

  it("refuses bad feedback with a JSON 400, and an unknown run with a 404", async () => {
    const p = echo();
    const [id] = await runAll(p.name, ["q"]);
    for (const [body, field] of [
      [{ rating: "meh" }, "rating"],
      [{ rating: "up", note: 5 }, "note"],
      [{ note: "x".repeat(2001) }, "note"],
      [{ rating: null, note: "   " }, "rating"],
    ] as const) {
      const res = await post(`/api/runs/${id}/feedback`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe("invalid_feedback");
      expect(error.details.issues[0].field).toBe(field);
    }
    const unknown = await post(`/api/runs/${"0".repeat(32)}/feedback`, { rating: "up" });
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe("run_not_found");
    expect((await post(`/api/runs/not-a-run/feedback`, { rating: "up" })).status).toBe(404);
  });
});

describe("metrics and prices", () => {
  it("estimates cost per run and per LM call from a versioned price table", async () => {
    const p = script(() => new Predict("question -> answer"), () => chat({ answer: "a" }), { model: "gpt-4o-mini" });
    await runAll(p.name, ["one", "two"]);
    const { metrics: m } = (await (await get(`/api/programs/${p.name}/metrics`)).json()) as { metrics: ProgramMetrics };
    expect(m.cost_usd).toBeGreaterThan(0);
    const expected = (m.tokens.prompt * 0.15 + m.tokens.completion * 0.6) / 1e6;
    expect(m.cost_usd).toBeCloseTo(expected, 12);
    expect(m.cost_per_run_usd).toBeCloseTo(expected / 2, 12);
    expect(m.cost_per_lm_call_usd).toBeCloseTo(expected / 2, 12);
    const prices = (await (await get("/api/prices")).json()) as { version: string; estimate: boolean; models: Record<string, unknown> };
    expect(m.prices_version).toBe(prices.version);
    expect(prices.estimate).toBe(true);
    expect(prices.models["gpt-4o-mini"]).toEqual({ prompt: 0.15, completion: 0.6 });
    const rows = (await page(`/api/programs/${p.name}/runs`)).runs;
    expect(rows.reduce((t, r) => t + r.cost_usd!, 0)).toBeCloseTo(expected, 12);
  });

  it("the page prices an LM call exactly as the server prices a run", async () => {
    const { callCost } = await import("../../src/ui/prices");
    const { PRICES, costOf } = await import("../../src/server/prices");
    const table = { ...PRICES, estimate: true as const };
    const usage = { prompt_tokens: 1234, completion_tokens: 567, total_tokens: 1801 };
    const names = Object.keys(PRICES.models).flatMap((m) => [m, `openai/${m}`, `${m}-2025-01-01`, `${m}-latest`]);
    for (const model of [...names, "demo/gpt-4o-mini", "mystery-model", "gpt-4o-mini-tts"]) {
      expect(callCost(table, model, usage), model).toBe(costOf({ [model]: usage }));
    }
    expect(callCost(table, "claude-sonnet-4-20250514", usage)).toBeCloseTo((1234 * 3 + 567 * 15) / 1e6, 12);
  });

  it("documents the new routes and query parameters in OpenAPI", async () => {
    const doc = (await (await get("/openapi.json")).json()) as any;
    for (const path of ["/api/prices", "/api/playground", "/api/runs/{run_id}/feedback"]) expect(doc.paths).toHaveProperty([path]);
    const names = doc.paths["/api/programs/{name}/runs"].get.parameters.map((p: { name: string }) => p.name);
    expect(names).toEqual(["name", "limit", "q", "status", "feedback", "window", "before"]);
    expect(doc.paths["/api/playground"].post.requestBody.content["application/json"].schema.required).toEqual(["program", "messages"]);
  });
});

describe("input checks", () => {
  it("refuses a whitespace-only required string, in the same answer as the other bad fields", async () => {
    const p = script(() => new Predict("question: str, count: int -> answer"), () => chat({ answer: "a" }));
    const res = await post(`/${p.name}`, { question: "  \n ", count: "many" });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_inputs");
    expect(error.details.issues.map((i: { field: string }) => i.field)).toEqual(["question", "count"]);
    expect(error.details.issues[0].message).toMatch(/empty or only whitespace/);
    expect(error.message).toMatch(/question: must not be empty/);
    const alone = await errorOf(await post(`/${p.name}`, { question: " ", count: 2 }));
    expect(alone.details.issues).toEqual([{ field: "question", message: "must not be empty or only whitespace (str)" }]);
    // An Optional str may be blank.
    const opt = script(() => new Predict("question: str, hint: Optional[str] -> answer"), () => chat({ answer: "a" }));
    expect((await post(`/${opt.name}`, { question: "q", hint: " " })).status).toBe(200);
  });
});
