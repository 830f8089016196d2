// Every error answers {error: {code, message, details}} with the right status;
// optional API_TOKEN auth; CORS; secrets never reach events or errors.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import { Module } from "../../src/dspy/module";
import type { Prediction } from "../../src/dspy/prediction";
import { Signature } from "../../src/dspy/signature";
import { chat, fetchWithEnv, get, parseSse, post, readSse, replay, scriptedPrograms } from "./helpers";

const script = scriptedPrograms();

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string; details: unknown } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(5);
  expect(body.error).toHaveProperty("details");
  return body.error;
}

describe("errors", () => {
  it("400 for bad JSON, a non-object body and an empty body", async () => {
    await expectError(await post("/qa", "{not json"), 400, "bad_json");
    await expectError(await post("/qa", "[1,2]"), 400, "bad_json");
    await expectError(await post("/qa/stream", ""), 400, "bad_json");
  });

  it("400 with field-level details for missing or mistyped inputs", async () => {
    const missing = await expectError(await post("/qa", { q: "x" }), 400, "invalid_inputs");
    expect(missing.details).toEqual({ issues: [{ field: "question", message: expect.stringContaining("missing") }] });
    const mistyped = await expectError(await post("/classify/stream", { text: ["a"] }), 400, "invalid_inputs");
    expect((mistyped.details as { issues: { field: string }[] }).issues[0].field).toBe("text");
  });

  it("400 for a Last-Event-ID or after= that is not a seq", async () => {
    const res = await post("/qa", { question: "hi" });
    const { run_id } = (await res.json()) as { run_id: string };
    await expectError(await get(`/api/runs/${run_id}/events`, { "Last-Event-ID": "abc" }), 400, "bad_last_event_id");
    await expectError(await get(`/api/runs/${run_id}/events?after=-1`), 400, "bad_last_event_id");
  });

  it("404 for an unknown program, listing the valid ones", async () => {
    const error = await expectError(await post("/nope", { question: "x" }), 404, "program_not_found");
    expect((error.details as { programs: string[] }).programs).toEqual(expect.arrayContaining(["qa", "reason", "classify"]));
    expect(error.message).toContain("qa");
    await expectError(await post("/nope/stream", {}), 404, "program_not_found");
    await expectError(await get("/api/programs/nope/runs"), 404, "program_not_found");
  });

  it("404 for an unknown run (well-formed or not) and unknown routes", async () => {
    const unknown = "0".repeat(32);
    await expectError(await get(`/api/runs/${unknown}`), 404, "run_not_found");
    await expectError(await get(`/api/runs/${unknown}/events`), 404, "run_not_found");
    await expectError(await post(`/api/runs/${unknown}/cancel`, {}), 404, "run_not_found");
    await expectError(await get("/api/runs/../../etc"), 404, "not_found");
    await expectError(await get("/api/runs/xyz"), 404, "run_not_found");
    await expectError(await get("/api/nothing"), 404, "not_found");
  });

  it("413 for a body over 1 MB, with or without a Content-Length", async () => {
    await expectError(await post("/qa", { question: "x".repeat(1024 * 1024 + 10) }), 413, "payload_too_large");
    const text = new TextEncoder().encode(JSON.stringify({ question: "x".repeat(1024 * 1024) }));
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < text.length; i += 64 * 1024) controller.enqueue(text.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const req = new Request("http://test/qa", { method: "POST", body: chunked, headers: { "content-type": "application/json" } });
    expect(req.headers.get("content-length")).toBeNull();
    await expectError(await exports.default.fetch(req), 413, "payload_too_large");
  });

  it("502 on a sync call when the LM fails, 429 when it rate-limits; the run id is in the details", async () => {
    const failing = script(() => new ChainOfThought("question -> answer"), () => ({ status: 500 }));
    const e = await expectError(await post(`/${failing.name}`, { question: "q" }), 502, "lm_error");
    const runId = (e.details as { run_id: string }).run_id;
    expect((await replay(runId)).events.at(-1)).toMatchObject({ type: "run_end", status: "failed" });
    const limited = script(() => new ChainOfThought("question -> answer"), () => ({ status: 429 }));
    await expectError(await post(`/${limited.name}`, { question: "q" }), 429, "rate_limited");
  });

  it("502 when the LM answers in a form that cannot be parsed", async () => {
    const garbled = script(() => new ChainOfThought("question -> answer: int"), () => chat({ reasoning: "r", answer: "many" }));
    await expectError(await post(`/${garbled.name}`, { question: "q" }), 502, "lm_parse_error");
  });

  it("a program that throws answers a JSON 500 naming the error, never a bare one", async () => {
    class Broken extends Module {
      static override readonly className = "Broken";
      readonly signature = new Signature("question -> answer");
      override async forward(): Promise<Prediction> {
        throw new TypeError("bug in the program");
      }
    }
    const p = script(() => new Broken(), () => chat({ answer: "unused" }));
    const error = await expectError(await post(`/${p.name}`, { question: "q" }), 500, "run_failed");
    expect(error.message).toContain("bug in the program");
    expect(error.details).toMatchObject({ status: "failed", error: { type: "TypeError" } });
  });
});

describe("auth", () => {
  const TOKEN = "tok-0123456789abcdef";
  const on = { API_TOKEN: TOKEN };

  it("with no API_TOKEN every route is open", async () => {
    expect((await get("/api/programs")).status).toBe(200);
  });

  it("with API_TOKEN set, API routes need the token; /health does not", async () => {
    expect((await fetchWithEnv(on, "/health")).status).toBe(200);
    await expectError(await fetchWithEnv(on, "/api/programs"), 401, "unauthorized");
    await expectError(await fetchWithEnv(on, "/openapi.json"), 401, "unauthorized");
    await expectError(await fetchWithEnv(on, "/qa", { method: "POST", body: "{}" }), 401, "unauthorized");
    await expectError(await fetchWithEnv(on, "/api/programs", { headers: { authorization: "Bearer wrong-token" } }), 401, "unauthorized");
  });

  it("accepts Authorization: Bearer everywhere; ?token= and the cookie only on the events stream (EventSource)", async () => {
    expect((await fetchWithEnv(on, "/api/programs", { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    const { run_id } = (await (await post("/qa", { question: "hi" })).json()) as { run_id: string };
    const events = `/api/runs/${run_id}/events`;
    await expectError(await fetchWithEnv(on, events), 401, "unauthorized");
    await expectError(await fetchWithEnv(on, `${events}?token=wrong-token`), 401, "unauthorized");
    for (const res of [
      await fetchWithEnv(on, `${events}?token=${TOKEN}`),
      await fetchWithEnv(on, events, { headers: { cookie: `dspy_edge_token=${TOKEN}` } }),
      await fetchWithEnv(on, events, { headers: { authorization: `Bearer ${TOKEN}` } }),
    ]) {
      expect(res.status).toBe(200);
      expect(parseSse(await res.text()).events.at(-1)).toMatchObject({ type: "run_end", run_id });
    }
    // Anywhere else they do not count: a cookie riding on a cross-site POST must not start a run.
    await expectError(await fetchWithEnv(on, `/api/programs?token=${TOKEN}`), 401, "unauthorized");
    const cookie = { cookie: `dspy_edge_token=${TOKEN}`, "content-type": "text/plain" };
    await expectError(await fetchWithEnv(on, "/qa", { method: "POST", headers: cookie, body: '{"question":"x"}' }), 401, "unauthorized");
    await expectError(await fetchWithEnv(on, `/api/runs/${run_id}/cancel?token=${TOKEN}`, { method: "POST" }), 401, "unauthorized");
  });

  it("the run permalink page is served without the token (the page asks for it)", async () => {
    const res = await fetchWithEnv(on, `/runs/${"a".repeat(32)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
  });

  it("CORS preflight and exposed X-Run-Id", async () => {
    const preflight = { origin: "https://example.com", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" };
    const res = await fetchWithEnv({ ...on, CORS_ORIGINS: "*" }, "/qa/stream", { method: "OPTIONS", headers: preflight });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    // The default (CORS_ORIGINS empty): no other origin is allowed.
    const closed = await fetchWithEnv(on, "/qa/stream", { method: "OPTIONS", headers: preflight });
    expect(closed.headers.get("access-control-allow-origin")).toBeNull();
    const limited = await fetchWithEnv({ CORS_ORIGINS: "https://a.example" }, "/api/programs", { headers: { origin: "https://b.example" } });
    expect(limited.headers.get("access-control-allow-origin")).toBeNull();
    const allowed = await fetchWithEnv({ CORS_ORIGINS: "https://a.example" }, "/api/programs", { headers: { origin: "https://a.example" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://a.example");
  });
});

describe("secrets", () => {
  it("no API key or token string in any stored event, streamed frame or error", async () => {
    const KEY = "sk-live-SECRET-abcdef123456";
    const TOKEN = "api-token-SECRET-987654";
    const p = script(
      () => new ChainOfThought("question -> answer"),
      (req) =>
        req.body.messages.at(-1)!.content.includes("fail")
          ? { status: 401, message: `Incorrect API key provided: ${KEY}` }
          : chat({ reasoning: `header was ${req.headers.authorization}`, answer: "ok" }),
      { apiKey: (env) => env.OPENAI_API_KEY },
    );
    const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
    const envs = { OPENAI_API_KEY: KEY, API_TOKEN: TOKEN };
    const ok = await fetchWithEnv(envs, `/${p.name}/stream`, { method: "POST", headers: auth, body: JSON.stringify({ question: `my token is ${TOKEN}` }) });
    const okText = await ok.text();
    const failed = await fetchWithEnv(envs, `/${p.name}`, { method: "POST", headers: auth, body: JSON.stringify({ question: "please fail" }) });
    const failedText = await failed.text();
    expect(failed.status).toBe(502);
    const runs = [ok.headers.get("x-run-id")!, ((JSON.parse(failedText) as { error: { details: { run_id: string } } }).error.details.run_id)];
    for (const text of [okText, failedText, ...(await Promise.all(runs.map(async (id) => (await get(`/api/runs/${id}/events`)).text())))]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(TOKEN);
    }
    // The key really was used (the redaction is not vacuous) and shows as redacted.
    expect(p.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
    expect(okText).toContain("[redacted]");
    const { events } = await readSse(await get(`/api/runs/${runs[1]}/events`));
    expect(events.at(-1)).toMatchObject({ status: "failed", error: { message: expect.stringContaining("[redacted]") } });
  });
});
