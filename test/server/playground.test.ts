// POST /api/playground: one LM call with edited messages and parameters, run and
// logged as its own run (mode playground) under the program whose LM it used.
import { describe, expect, it } from "vitest";
import { Predict } from "../../src/dspy/predict";
import type { IndexedRun } from "../../src/server/program-index";
import type { RunSummary } from "../../src/server/run-types";
import { get, parseSse, post, replay, scriptedPrograms } from "./helpers";

const script = scriptedPrograms();

describe("POST /api/playground", () => {
  it("sends exactly the edited messages and params, streams the call, and logs it as a run", async () => {
    const p = script(() => new Predict("question -> answer"), (req) => `echo: ${req.body.messages.at(-1)!.content}`);
    const messages = [
      { role: "system", content: "Be terse." },
      { role: "user", content: "Edited question?" },
    ];
    const res = await post("/api/playground", {
      program: p.name,
      messages,
      params: { temperature: 0.3, max_tokens: 50 },
      from: { run_id: "a".repeat(32), call_id: "c1" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const runId = res.headers.get("x-run-id")!;
    const events = parseSse(await res.text()).events;
    expect(events.map((e) => e.type).filter((t) => t !== "lm_delta")).toEqual(["run_start", "module_start", "lm_start", "lm_end", "module_end", "run_end"]);
    expect(events[0]).toMatchObject({ type: "run_start", program: p.name, module: "Playground" });
    const lmStart = events.find((e) => e.type === "lm_start")!;
    expect(lmStart).toMatchObject({ messages, params: { temperature: 0.3, max_tokens: 50 } });
    expect(events.at(-1)).toMatchObject({ type: "run_end", status: "succeeded", outputs: { text: "echo: Edited question?" } });
    // The LM received what was edited, nothing else.
    expect(p.requests[0].body.messages).toEqual(messages);
    expect(p.requests[0].body).toMatchObject({ temperature: 0.3, max_tokens: 50 });

    const summary = (await (await get(`/api/runs/${runId}`)).json()) as RunSummary;
    expect(summary).toMatchObject({ mode: "playground", module: "Playground", program: p.name, status: "succeeded" });
    expect(summary.inputs).toMatchObject({ from: { call_id: "c1" } });
    expect((await replay(runId)).events).toEqual(events);
    const { runs } = (await (await get(`/api/programs/${p.name}/runs`)).json()) as { runs: IndexedRun[] };
    expect(runs[0]).toMatchObject({ run_id: runId, mode: "playground", outputs: { text: "echo: Edited question?" } });
  });

  it("refuses a bad request with a JSON 400 naming the field, and an unknown program with a 404", async () => {
    const p = script(() => new Predict("question -> answer"), () => "x");
    const cases: [unknown, string][] = [
      [{ program: p.name, messages: [] }, "messages"],
      [{ program: p.name, messages: [{ role: "robot", content: "hi" }] }, "messages.0.role"],
      [{ program: p.name, messages: [{ role: "user", content: "hi" }], params: { temperature: 9 } }, "params.temperature"],
      [{ program: p.name, messages: [{ role: "user", content: "hi" }], params: { api_key: "sk" } }, "params"],
      [{ messages: [{ role: "user", content: "hi" }] }, "program"],
    ];
    for (const [body, field] of cases) {
      const res = await post("/api/playground", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; details: { issues: { field: string }[] } } };
      expect(error.code).toBe("invalid_playground_request");
      expect(error.details.issues.map((i) => i.field)).toContain(field);
    }
    const unknown = await post("/api/playground", { program: "nope", messages: [{ role: "user", content: "hi" }] });
    expect(unknown.status).toBe(404);
  });
});
