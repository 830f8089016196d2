// Serving programs that Python DSPy optimized: a saved file bundled with the
// Worker (the `optimized` example), one uploaded with PUT
// /api/programs/{name}/state (kept in the program's index object and loaded by
// every new run), what GET /api/programs says about them, and a program that
// picks its adapter.
import { describe, expect, it } from "vitest";
import { XMLAdapter } from "../../src/dspy/adapters/xml";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import type { RunEvent } from "../../src/dspy/events";
import { Predict } from "../../src/dspy/predict";
import { defineProgram } from "../../src/programs/define";
import { registerProgram, unregisterProgram } from "../../src/programs/registry";
import type { ProgramInfo } from "../../src/server/program-info";
import cotFile from "../fixtures/dspy/saved/cot_fewshot.json";
import cotExpected from "../fixtures/dspy/saved/cot_fewshot.expected.json";
import { fetchWithEnv, get, post, replay, scriptedPrograms } from "./helpers";

const script = scriptedPrograms();
const TOKEN = "state-test-token";
const authed = { API_TOKEN: TOKEN };
const bearer = { authorization: `Bearer ${TOKEN}` };

const send = (method: string, path: string, body?: unknown) =>
  fetchWithEnv(authed, path, {
    method,
    headers: { ...bearer, "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });

async function info(name: string, viaToken = false): Promise<ProgramInfo> {
  const res = viaToken ? await send("GET", `/api/programs/${name}`) : await get(`/api/programs/${name}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ProgramInfo;
}

const BUNDLED_PREDICTORS = [
  {
    path: "predict",
    demos: 4,
    augmented_demos: 2,
    instructions: "Given the fields `question`, produce the fields `answer`.",
    lm: null,
  },
];

describe("a program built from a saved file (the optimized example)", () => {
  it("GET /api/programs shows its loaded state; programs without one show null", async () => {
    const res = await get("/api/programs");
    const { programs } = (await res.json()) as { programs: ProgramInfo[] };
    const optimized = programs.find((p) => p.name === "optimized")!;
    expect(optimized.state).toEqual({ source: "bundled", updated_at: null, dspy_version: "3.3.1", predictors: BUNDLED_PREDICTORS });
    expect(optimized.module).toBe("ChainOfThought");
    expect(optimized.adapter).toBe("ChatAdapter");
    expect(programs.find((p) => p.name === "reason")!.state).toBeNull();
  });

  it("runs on the demo LM with the optimizer's demos in its prompt, as DSPy orders them", async () => {
    const res = await post("/optimized", { question: "How many days are in a leap year?" });
    expect(res.status).toBe(200);
    const { run_id } = (await res.json()) as { run_id: string };
    const { events } = await replay(run_id);
    const start = events.find((e): e is Extract<RunEvent, { type: "lm_start" }> => e.type === "lm_start")!;
    // The DSPy prompt with the file's four demos: exactly what DSPy sent for this question.
    expect(start.messages).toEqual(cotExpected.messages);
    expect(events.at(-1)).toMatchObject({ type: "run_end", status: "succeeded" });
  });

  it("GET /api/programs/{name}/state returns the state it runs in DSPy's format; 404 without one", async () => {
    const res = await get("/api/programs/optimized/state");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ ...cotFile, metadata: { dependency_versions: { dspy: "3.3.1" } } });
    const none = await get("/api/programs/reason/state");
    expect(none.status).toBe(404);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe("no_state");
  });
});

describe("PUT /api/programs/{name}/state", () => {
  const cot = () => new ChainOfThought("question -> answer");

  it("is refused without a configured API token, and needs the token when there is one", async () => {
    const p = script(cot, () => cotExpected.completion);
    const open = await post(`/api/programs/${p.name}/state`, cotFile);
    expect(open.status).toBe(404); // only PUT/GET/DELETE exist
    const put = await get(`/api/programs/${p.name}/state`);
    expect(put.status).toBe(404);
    const unconfigured = await fetchWithEnv({}, `/api/programs/${p.name}/state`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(cotFile),
    });
    expect(unconfigured.status).toBe(403);
    expect(((await unconfigured.json()) as { error: { code: string } }).error.code).toBe("state_upload_disabled");
    const wrong = await fetchWithEnv(authed, `/api/programs/${p.name}/state`, {
      method: "PUT",
      headers: { authorization: "Bearer nope", "content-type": "application/json" },
      body: JSON.stringify(cotFile),
    });
    expect(wrong.status).toBe(401);
  });

  it("stores the file; new runs load it (exact DSPy messages), the catalogue shows it, DELETE reverts", async () => {
    const p = script(cot, () => cotExpected.completion);
    expect((await info(p.name)).state).toBeNull();

    const res = await send("PUT", `/api/programs/${p.name}/state`, cotFile);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { program: string; state: ProgramInfo["state"]; warnings: string[] };
    expect(body.program).toBe(p.name);
    expect(body.warnings).toEqual([]);
    expect(body.state).toMatchObject({ source: "uploaded", dspy_version: "3.3.1", predictors: BUNDLED_PREDICTORS });
    expect(body.state!.updated_at).toBeGreaterThan(0);
    expect((await info(p.name, true)).state).toEqual(body.state);

    const run = await send("POST", `/${p.name}`, cotExpected.inputs);
    expect(run.status).toBe(200);
    const { run_id: _id, ...outputs } = (await run.json()) as Record<string, unknown>;
    expect(outputs).toEqual(cotExpected.outputs);
    expect(p.requests[0].body.messages).toEqual(cotExpected.messages);

    const removed = await send("DELETE", `/api/programs/${p.name}/state`);
    expect(await removed.json()).toEqual({ program: p.name, removed: true, state: null });
    await send("POST", `/${p.name}`, cotExpected.inputs);
    expect(p.requests[1].body.messages).toHaveLength(2); // system + question: no demos any more
  });

  it("answers 422 naming DSPy's reason when the file does not fit the program, and stores nothing", async () => {
    const p = script(() => new Predict("question -> answer"), () => cotExpected.completion);
    const expectReason = async (state: unknown, code: string, status = 422) => {
      const res = await send("PUT", `/api/programs/${p.name}/state`, state);
      expect(res.status).toBe(status);
      const { error } = (await res.json()) as { error: { code: string; message: string; details: unknown } };
      expect(error.code).toBe(code);
      return error;
    };
    // A ChainOfThought's file has `predict`; a bare Predict's is flat: its `signature` key is missing.
    const mismatch = await expectReason(cotFile, "missing_key");
    expect(mismatch.message).toContain("`signature`");
    const { metadata: _m, ...bare } = cotFile.predict as Record<string, unknown> & { metadata?: unknown };
    await expectReason(bare, "missing_metadata");
    const custom = { ...structuredClone(cotFile.predict), lm: { _dspy_lm_class: "x.MyLM", model: "m" }, metadata: cotFile.metadata };
    await expectReason(custom, "custom_lm_class");
    await expectReason("[1]", "bad_json", 400);
    expect((await info(p.name, true)).state).toBeNull();
  });

  it("reports DSPy's warnings: another dspy version, a dropped api_base", async () => {
    const p = script(cot, () => cotExpected.completion);
    const state = structuredClone(cotFile) as Record<string, any>;
    state.metadata.dependency_versions.dspy = "3.0.0";
    state.predict.lm = { _dspy_lm_class: "dspy.clients.lm.LM", model: "openai/gpt-4o-mini", api_base: "https://elsewhere.example/v1" };
    const res = await send("PUT", `/api/programs/${p.name}/state`, state);
    const body = (await res.json()) as { warnings: string[]; state: ProgramInfo["state"] };
    expect(body.warnings).toHaveLength(2);
    expect(body.warnings[0]).toContain("You saved with `dspy==3.0.0`");
    expect(body.warnings[1]).toContain("Ignoring unsafe LM config key(s) during state load: ['api_base']");
    expect(body.state!.predictors[0].lm).toBe("openai/gpt-4o-mini");
    // The run's predictor uses the saved model on the configured endpoint, never the uploaded api_base.
    await send("POST", `/${p.name}`, cotExpected.inputs);
    expect(p.requests[0].body.model).toBe("gpt-4o-mini");
    expect(p.requests[0].url).toMatch(/^https:\/\/scripted\.invalid\/v1\//);
    await send("DELETE", `/api/programs/${p.name}/state`);
  });
});

describe("a saved per-predictor LM on the demo LM", () => {
  it("is answered by the demo endpoint and named demo/<model>, so it never looks like a real model", async () => {
    const state = structuredClone(cotFile) as Record<string, any>;
    state.predict.lm = { _dspy_lm_class: "dspy.clients.lm.LM", model: "openai/gpt-4o-mini", temperature: 0.3 };
    const program = registerProgram(
      defineProgram({ name: "saved-lm-demo", description: "d", module: () => new ChainOfThought("question -> answer"), state }),
    );
    try {
      const res = await post(`/${program.name}`, { question: "What is 2 + 2?" });
      expect(res.status).toBe(200);
      const { run_id } = (await res.json()) as { run_id: string };
      const { events } = await replay(run_id);
      const start = events.find((e): e is Extract<RunEvent, { type: "lm_start" }> => e.type === "lm_start")!;
      expect(start.name).toBe("demo/gpt-4o-mini");
      expect(start.params).toMatchObject({ temperature: 0.3 });
    } finally {
      unregisterProgram(program.name);
    }
  });
});

describe("a program's adapter", () => {
  it("runs every call through the adapter it names (XMLAdapter on the demo LM)", async () => {
    const program = registerProgram(
      defineProgram({
        name: "xml-test",
        description: "xml",
        module: () => new ChainOfThought("question -> answer, keywords: list[str]"),
        adapter: new XMLAdapter(),
      }),
    );
    try {
      expect((await info(program.name)).adapter).toBe("XMLAdapter");
      const res = await post(`/${program.name}`, { question: "What is the capital of France?" });
      expect(res.status).toBe(200);
      const { run_id, ...outputs } = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(outputs)).toEqual(["reasoning", "answer", "keywords"]);
      expect(Array.isArray(outputs.keywords)).toBe(true);
      const { events } = await replay(run_id as string);
      // One format and one parse, both XML: the demo LM answered in tags, so no JSON fallback.
      expect(events.filter((e) => e.type === "adapter_format_start").map((e) => (e as { adapter: string }).adapter)).toEqual(["XMLAdapter"]);
      expect(events.filter((e) => e.type === "adapter_parse_start").map((e) => (e as { adapter: string }).adapter)).toEqual(["XMLAdapter"]);
    } finally {
      unregisterProgram(program.name);
    }
  });
});
