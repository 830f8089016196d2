// The project's own fault suite, over real HTTP: `wrangler dev` (scripts/dev-server.ts)
// with its LM pointed at a fault-injecting OpenAI-compatible server on
// 127.0.0.1, an API token and an allowed extra origin. Every LM fault on sync,
// attached and durable runs; random disconnect/resume trials; hostile requests;
// the auth and origin matrices; and a scan of every byte received for the
// secrets. `npm run chaos` runs the same with CHAOS=1: 1,000 trials, and writes
// the figures to chaos-report.json.
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, type DevServer } from "../../scripts/dev-server";
import { Client, newScan, nonce, pool, type Scan } from "./client";
import { FAULTS, startFaultLM, type FaultLM } from "./fault-lm";
import { type FaultResult, type Mode, faultRun, hostileRequests, resumeTrials, sendHostile } from "./suite";

const CHAOS = process.env.CHAOS === "1";
const TRIALS = Number(process.env.CHAOS_TRIALS ?? (CHAOS ? 1000 : 24));
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
const KEY = `sk-fault-${nonce()}${nonce()}`;
const TOKEN = `tok-fault-${nonce()}${nonce()}`;
const ALLOWED = "https://allowed.example";

let lm: FaultLM;
let server: DevServer;
let client: Client;
let scan: Scan;
const report: Record<string, unknown> = { seed: SEED };

beforeAll(async () => {
  lm = await startFaultLM({ echo: [KEY, TOKEN] });
  server = await startDevServer(
    { API_TOKEN: TOKEN, CORS_ORIGINS: ALLOWED, LM_FIRST_TOKEN_TIMEOUT_S: "1", LM_IDLE_TIMEOUT_S: "1", LM_RETRY_BUDGET_S: "4" },
    { lm: { baseURL: lm.baseURL, apiKey: KEY, model: "fault-model" } },
  );
  scan = newScan([KEY, TOKEN]);
  client = new Client(server.url, scan, TOKEN);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await lm?.close();
  if (scan) report.scan = { responses: scan.responses, bytes: scan.bytes, leaks: scan.leaks.length };
  console.log(`fault suite (seed ${SEED}):\n${JSON.stringify(report, null, 2)}`);
  if (CHAOS) writeFileSync("chaos-report.json", JSON.stringify({ ...report, finished_at: new Date().toISOString() }, null, 2) + "\n");
});

describe("fault suite", () => {
  it("every LM fault, on sync, attached and durable runs, ends with the right run_end, answer and log", async () => {
    const faults = [...FAULTS];
    const modes: Mode[] = ["sync", "attached", "durable"];
    const results: FaultResult[] = await pool(
      faults.flatMap((fault) => modes.map((mode) => () => faultRun(client, fault, mode))),
      CHAOS ? 6 : 4,
    );
    const failed = results.filter((r) => r.problems.length > 0);
    report.faults = { runs: results.length, kinds: faults.length, failed: failed.length };
    expect(failed.map((r) => `${r.fault}/${r.mode}: ${r.problems.join("; ")}`)).toEqual([]);
    // The fault server really saw each fault (stalls and failures were retried where they should be).
    expect(lm.requests.get("stall_before")).toBeGreaterThanOrEqual(6);
    expect(lm.requests.get("500")).toBeGreaterThanOrEqual(6);
  }, 300_000);

  it(`${TRIALS} random disconnect/resume trials lose, double and hang nothing`, async () => {
    const counts = await resumeTrials(client, TRIALS, SEED, 4);
    report.resume = { ...counts, failures: counts.failures.length };
    expect(counts.failures).toEqual([]);
    expect({ lost: counts.lost, doubled: counts.doubled, unterminated: counts.unterminated, hung: counts.hung }).toEqual({
      lost: 0, doubled: 0, unterminated: 0, hung: 0,
    });
    expect(counts.trials).toBe(TRIALS);
  }, CHAOS ? 3_600_000 : 300_000);

  it("≥ 300 malformed or hostile requests: no 5xx, every error a JSON error", async () => {
    const done = await client.postJson("/qa", { question: `FAULT:ok NONCE:${nonce()}` });
    const runId = (done.json as { run_id: string }).run_id;
    const requests = hostileRequests(server.url, runId);
    expect(requests.length).toBeGreaterThanOrEqual(300);
    const counts = await sendHostile(client, requests);
    report.hostile = { ...counts, failures: counts.failures.length };
    expect(counts.failures).toEqual([]);
    expect(counts).toMatchObject({ fiveHundreds: 0, nonJsonErrors: 0 });
  }, 300_000);

  it("auth matrix: every route refuses every wrong credential, accepts Bearer in any case", async () => {
    const done = await client.postJson("/qa", { question: `FAULT:ok NONCE:${nonce()}` });
    const runId = (done.json as { run_id: string }).run_id;
    const routes: [string, string, string?][] = [
      ["GET", "/api/programs"], ["GET", "/api/programs/qa"], ["GET", "/api/programs/qa/runs"], ["GET", "/api/programs/qa/metrics"],
      ["GET", "/openapi.json"], ["GET", `/api/runs/${runId}`], ["GET", `/api/runs/${runId}/events`], ["POST", "/qa", '{"question":"FAULT:ok"}'],
      ["POST", "/qa/stream", '{"question":"FAULT:ok"}'], ["POST", "/api/runs", '{"program":"qa","inputs":{"question":"FAULT:ok"}}'],
      ["POST", `/api/runs/${runId}/cancel`],
    ];
    const wrong: [string, Record<string, string>, string?][] = [
      ["none", {}], ["wrong token", { authorization: "Bearer wrong-token-123456" }], ["bare token", { authorization: TOKEN }],
      ["Basic", { authorization: `Basic ${TOKEN}` }], ["Token", { authorization: `Token ${TOKEN}` }], ["empty", { authorization: "" }],
      ["Bearer only", { authorization: "Bearer" }], ["token prefix", { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
      ["token + junk", { authorization: `Bearer ${TOKEN}x` }], ["cookie on non-events", { cookie: `dspy_edge_token=${TOKEN}` }, "not-events"],
      ["?token= on non-events", {}, "query"],
    ];
    const cases: (() => Promise<string | null>)[] = [];
    let count = 0;
    for (const [method, path, body] of routes) {
      const events = path.endsWith("/events");
      for (const [what, headers, only] of wrong) {
        if (only && events) continue; // the events route takes the cookie and ?token= (EventSource)
        count++;
        cases.push(async () => {
          const url = only === "query" ? `${path}${path.includes("?") ? "&" : "?"}token=${TOKEN}` : path;
          const res = await client.request(url, { method, auth: false, headers: { "content-type": "application/json", ...headers }, body });
          return res.status === 401 && (res.json as { error?: { code?: string } })?.error?.code === "unauthorized" ? null : `${what} ${method} ${path}: ${res.status}`;
        });
      }
      for (const scheme of ["Bearer", "bearer", "BEARER"]) {
        cases.push(async () => {
          const res = await client.request(path, { method, auth: false, headers: { "content-type": "application/json", authorization: `${scheme} ${TOKEN}` }, body });
          return res.status >= 200 && res.status < 300 ? null : `${scheme} ${method} ${path}: ${res.status} ${res.text.slice(0, 200)}`;
        });
      }
    }
    const failures = (await pool(cases, 4)).filter(Boolean);
    report.auth = { refusals: count, acceptances: routes.length * 3, failures: failures.length };
    expect(failures).toEqual([]);
    expect(count).toBeGreaterThanOrEqual(56);
  }, 300_000);

  it("origin matrix: only the same origin, CORS_ORIGINS and Origin-less clients may start or cancel a run", async () => {
    const held = await client.postJson("/api/runs", { program: "qa", inputs: { question: `FAULT:slow NONCE:${nonce()}` } });
    const runId = (held.json as { run_id: string }).run_id;
    const routes: [string, string][] = [
      ["/qa", '{"question":"FAULT:ok"}'], ["/qa/stream", '{"question":"FAULT:ok"}'],
      ["/api/runs", '{"program":"qa","inputs":{"question":"FAULT:ok"}}'], [`/api/runs/${runId}/cancel`, ""],
    ];
    const origins: [string | null, boolean][] = [
      [null, true], [server.url, true], [ALLOWED, true], ["https://evil.example", false], ["null", false],
      [server.url.replace(/:\d+$/, ":1"), false], ["https://allowed.example.evil.com", false], [`${ALLOWED}:444`, false],
    ];
    const failures: string[] = [];
    let refused = 0;
    // Refusals first, while the run is still going: a refused cancel must leave it running.
    for (const [origin, allowed] of [...origins].sort((a, b) => Number(a[1]) - Number(b[1]))) {
      for (const [path, body] of routes) {
        const headers: Record<string, string> = { "content-type": "application/json", ...(origin ? { origin } : {}) };
        const res = await client.request(path, { method: "POST", headers, body: body || undefined });
        const ok = allowed ? res.status >= 200 && res.status < 300 : res.status === 403 && (res.json as { error?: { code?: string } })?.error?.code === "origin_not_allowed";
        if (!allowed) refused++;
        if (!ok) failures.push(`${origin} → ${path}: ${res.status} ${res.text.slice(0, 150)}`);
        if (!allowed && path.endsWith("/cancel")) {
          const summary = await client.request(`/api/runs/${runId}`);
          if ((summary.json as { cancel_requested?: boolean }).cancel_requested) failures.push(`${origin} cancelled the run`);
        }
      }
    }
    report.origins = { requests: origins.length * routes.length, refused, failures: failures.length };
    expect(failures).toEqual([]);
  }, 300_000);

  it("no byte any client received holds a secret (events, reassembled deltas, summaries, listings, errors)", async () => {
    // A run whose inputs hold both secrets: its summary and listing must show them redacted.
    const typed = await client.postJson("/qa", { question: `FAULT:ok NONCE:${nonce()} my key ${KEY} and token ${TOKEN}` });
    expect(typed.status).toBe(200);
    const typedRun = (typed.json as { run_id: string }).run_id;
    expect((await client.request(`/api/runs/${typedRun}`)).text).toContain("my key [redacted] and token [redacted]");
    await client.stream(`/api/runs/${typedRun}/events`);
    // Listings and summaries of every run so far, read through the scanning client too.
    const runs = (await client.request("/api/programs/qa/runs?limit=200")).json as { runs: { run_id: string }[] };
    await pool(runs.runs.slice(0, 60).map((r) => () => client.request(`/api/runs/${r.run_id}`)), 6);
    await client.request("/api/programs/qa/metrics");
    await client.request("/api/programs");
    expect(scan.responses).toBeGreaterThan(400);
    expect(scan.leaks).toEqual([]);
  }, 120_000);
});
