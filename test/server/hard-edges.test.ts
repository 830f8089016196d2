// Issue 10's defects, each pinned: Bearer-only auth, the Origin check and JSON
// content type, security headers, a sync 429's Retry-After, whole sync answers,
// bounded parse errors with both adapters' reasons, redaction across deltas and
// in every JSON answer.
import { describe, expect, it } from "vitest";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import type { RunEvent } from "../../src/dspy/events";
import { Module } from "../../src/dspy/module";
import { Prediction } from "../../src/dspy/prediction";
import { Predict } from "../../src/dspy/predict";
import { Signature } from "../../src/dspy/signature";
import { UI_CSP } from "../../src/server/middleware/security-headers";
import { MAX_SYNC_ANSWER_BYTES } from "../../src/server/routes/invoke";
import headersFile from "../../static/_headers?raw";
import indexHtml from "../../static/index.html?raw";
import { chat, fetchWithEnv, get, heldReply, parseSse, post, readSse, replay, scriptedPrograms, until } from "./helpers";

const script = scriptedPrograms();
const json = { "content-type": "application/json" };

async function errorOf(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string; details: unknown } };
  expect(body.error.code).toBe(code);
  return body.error;
}

/** A module that answers `outputs` without any LM. */
function answering(outputs: Record<string, unknown>) {
  return class extends Module {
    static override readonly className = "Answering";
    readonly signature = new Signature("question -> answer");
    override async forward(): Promise<Prediction> {
      return new Prediction(outputs);
    }
  };
}

describe("auth accepts only the Bearer scheme (defect 9)", () => {
  const TOKEN = "tok-abcdef0123456789";
  const on = { API_TOKEN: TOKEN };

  it("a bare token or another scheme is 401; Bearer in any case is accepted", async () => {
    for (const value of [TOKEN, `Token ${TOKEN}`, `Basic ${TOKEN}`, `Bearer`, `Bearer ${TOKEN} extra`, `${TOKEN} Bearer`]) {
      await errorOf(await fetchWithEnv(on, "/api/programs", { headers: { authorization: value } }), 401, "unauthorized");
    }
    for (const value of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER  ${TOKEN}`]) {
      expect((await fetchWithEnv(on, "/api/programs", { headers: { authorization: value } })).status).toBe(200);
    }
  });
});

describe("Origin check and JSON bodies (defect 7)", () => {
  it("a POST from another site never starts a run, with or without a token; curl (no Origin) and same origin do", async () => {
    const p = script(() => new Predict("question -> answer"), () => chat({ answer: "ok" }));
    const evil = { ...json, origin: "https://evil.example" };
    const e = await errorOf(await post(`/${p.name}`, { question: "q" }, evil), 403, "origin_not_allowed");
    expect(e.message).toContain("evil.example");
    await errorOf(await post(`/${p.name}/stream`, { question: "q" }, evil), 403, "origin_not_allowed");
    await errorOf(await post("/api/runs", { program: p.name, inputs: { question: "q" } }, evil), 403, "origin_not_allowed");
    await errorOf(await post(`/${p.name}`, { question: "q" }, { ...json, origin: "null" }), 403, "origin_not_allowed");
    const TOKEN = "tok-abcdef0123456789";
    const withToken = { method: "POST", headers: { ...evil, authorization: `Bearer ${TOKEN}` }, body: '{"question":"q"}' };
    await errorOf(await fetchWithEnv({ API_TOKEN: TOKEN }, `/${p.name}`, withToken), 403, "origin_not_allowed");
    expect(p.requests).toHaveLength(0);

    expect((await post(`/${p.name}`, { question: "q" })).status).toBe(200);
    expect((await post(`/${p.name}`, { question: "q" }, { origin: "http://test" })).status).toBe(200);
    const listed = { method: "POST", headers: { ...json, origin: "https://app.example" }, body: '{"question":"q"}' };
    expect((await fetchWithEnv({ CORS_ORIGINS: "https://app.example, https://other.example" }, `/${p.name}`, listed)).status).toBe(200);
    expect((await fetchWithEnv({ CORS_ORIGINS: "*" }, `/${p.name}`, { ...listed, headers: evil })).status).toBe(200);
    expect(p.requests).toHaveLength(4);
  });

  it("a cancel from another site is refused and the run keeps going", async () => {
    const held = heldReply(chat({ answer: "done" }));
    const p = script(() => new Predict("question -> answer"), held.respond);
    const started = await post("/api/runs", { program: p.name, inputs: { question: "q" } });
    const { run_id } = (await started.json()) as { run_id: string };
    await until(() => Promise.resolve(p.requests.length), (n) => n === 1, "the LM call");
    await errorOf(await post(`/api/runs/${run_id}/cancel`, {}, { origin: "https://evil.example" }), 403, "origin_not_allowed");
    held.open();
    const { events } = await readSse(await get(`/api/runs/${run_id}/events`));
    expect(events.at(-1)).toMatchObject({ type: "run_end", status: "succeeded" });
  });

  it("a body that is not application/json is 415, whatever it holds", async () => {
    for (const type of ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]) {
      const headers: Record<string, string> = type ? { "content-type": type } : {};
      const res = await fetchWithEnv({}, "/qa", { method: "POST", headers, body: '{"question":"q"}' });
      await errorOf(res, 415, "unsupported_media_type");
    }
    expect((await post("/qa", { question: "q" }, { "content-type": "application/json; charset=utf-8" })).status).toBe(200);
  });
});

describe("security headers (defect 8)", () => {
  it("API answers forbid framing and sniffing; the run page gets the UI's CSP", async () => {
    for (const res of [await get("/api/programs"), await get("/api/nothing"), await get("/health")]) {
      expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }
    const page = await get(`/runs/${"a".repeat(32)}`);
    expect(page.headers.get("content-security-policy")).toBe(UI_CSP);
    expect(UI_CSP).toContain("script-src 'self'");
    expect(UI_CSP).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
  });

  it("static/_headers gives the static UI the same policy, and index.html has no inline script", () => {
    expect(headersFile).toContain(`Content-Security-Policy: ${UI_CSP}\n`);
    for (const h of ["X-Content-Type-Options: nosniff", "X-Frame-Options: DENY", "Referrer-Policy: no-referrer"]) expect(headersFile).toContain(h);
    const scripts = [...indexHtml.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="\//);
      expect(body.trim()).toBe("");
    }
    expect(indexHtml).not.toMatch(/\son[a-z]+\s*=/i);
    expect(indexHtml).not.toMatch(/\sstyle\s*=/i);
  });
});

describe("sync answers (defects 2 and 6)", () => {
  it("a sync 429 passes the LM's Retry-After on", async () => {
    const limited = script(() => new Predict("question -> answer"), () => ({ status: 429, retryAfter: 7 }));
    const res = await post(`/${limited.name}`, { question: "q" });
    await errorOf(res, 429, "rate_limited");
    expect(res.headers.get("retry-after")).toBe("7");
    const plain = script(() => new Predict("question -> answer"), () => ({ status: 429 }));
    const without = await post(`/${plain.name}`, { question: "q" });
    expect(without.status).toBe(429);
    expect(without.headers.get("retry-after")).toBeNull();
  });

  it("a large answer comes back whole, though the log's run_end is cut", async () => {
    const answer = "0123456789".repeat(150_000); // 1.5 MB: over the 1 MB event limit
    const p = script(() => new (answering({ answer }))(), () => "unused");
    const res = await post(`/${p.name}`, { question: "q" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { run_id: string; answer: string };
    expect(body.answer).toBe(answer);
    const end = (await replay(body.run_id)).events.at(-1) as Extract<RunEvent, { type: "run_end" }>;
    expect(end).toMatchObject({ type: "run_end", status: "succeeded" });
    expect(String(end.outputs!.answer)).toContain("[truncated]");
  });

  it("an answer over the sync limit is a clear JSON error, never a cut answer", async () => {
    const p = script(() => new (answering({ answer: "x".repeat(MAX_SYNC_ANSWER_BYTES + 10) }))(), () => "unused");
    const e = await errorOf(await post(`/${p.name}`, { question: "q" }), 502, "answer_too_large");
    expect(e.details).toMatchObject({ max_bytes: MAX_SYNC_ANSWER_BYTES, run_id: expect.any(String) });
    expect(e.message).toContain(String(MAX_SYNC_ANSWER_BYTES));
  });
});

describe("parse errors (defect 3)", () => {
  it("quote a bounded excerpt, keep both adapters' reasons, and lm_end keeps the whole text", async () => {
    const garbage = "no fields here ".repeat(4_000); // 60 KB
    const p = script(() => new ChainOfThought("question -> answer: int"), () => garbage);
    const res = await post(`/${p.name}`, { question: "q" });
    const text = await res.clone().text();
    expect(text.length).toBeLessThan(12_000);
    const e = await errorOf(res, 502, "lm_parse_error");
    expect(e.message).toContain("Adapter JSONAdapter failed to parse");
    expect(e.message).toContain("Before that, ChatAdapter failed");
    expect(e.message).toContain("characters omitted");
    const { events } = await replay((e.details as { run_id: string }).run_id);
    const ends = events.filter((x): x is Extract<RunEvent, { type: "lm_end" }> => x.type === "lm_end");
    expect(ends.map((x) => x.text)).toEqual([garbage, garbage]);
  });
});

describe("redaction everywhere (defects 4 and 5)", () => {
  const KEY = "sk-live-SPLIT-0123456789abcdef";
  const TOKEN = "api-token-SPLIT-987654321";
  const envs = { OPENAI_API_KEY: KEY, API_TOKEN: TOKEN };
  const auth = { ...json, authorization: `Bearer ${TOKEN}` };

  it("a key echoed across many deltas never reaches a client, live or replayed; deltas still add up to lm_end", async () => {
    // The fake tokenizer splits the key into several deltas (sk, -, live, -, …).
    const p = script(() => new Predict("question -> answer"), () => chat({ answer: `the key is ${KEY} and the token ${TOKEN}. Done` }), {
      apiKey: (env) => env.OPENAI_API_KEY,
    });
    const live = await fetchWithEnv(envs, `/${p.name}/stream`, { method: "POST", headers: auth, body: '{"question":"q"}' });
    const liveText = await live.text();
    const stored = await fetchWithEnv(envs, `/api/runs/${live.headers.get("x-run-id")}/events`, { headers: auth });
    for (const { events } of [parseSse(liveText), parseSse(await stored.text())]) {
      const deltas = events.flatMap((e) => (e.type === "lm_delta" ? [e.delta] : [])).join("");
      const end = events.find((e) => e.type === "lm_end") as Extract<RunEvent, { type: "lm_end" }>;
      expect(deltas).toBe(end.text);
      expect(deltas).toContain("the key is [redacted] and the token [redacted]. Done");
      for (const s of [KEY, TOKEN]) {
        expect(deltas).not.toContain(s);
        expect(JSON.stringify(events)).not.toContain(s);
      }
    }
  });

  it("inputs come back redacted from the run summary and the program's run listing", async () => {
    const p = script(() => new Predict("question -> answer"), () => chat({ answer: "ok" }), { apiKey: (env) => env.OPENAI_API_KEY });
    const res = await fetchWithEnv(envs, `/${p.name}`, { method: "POST", headers: auth, body: JSON.stringify({ question: `mine: ${KEY} / ${TOKEN}` }) });
    expect(res.status).toBe(200);
    const { run_id } = (await res.json()) as { run_id: string };
    // The program really saw the secret (the redaction is of what leaves, not of what runs).
    expect(p.requests[0].body.messages.at(-1)!.content).toContain(KEY);
    for (const path of [`/api/runs/${run_id}`, `/api/programs/${p.name}/runs`]) {
      const text = await (await fetchWithEnv(envs, path, { headers: auth })).text();
      expect(text).toContain("mine: [redacted] / [redacted]");
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(TOKEN);
    }
  });
});
