// The fault suite's parts, shared by the CI test (few trials) and `npm run chaos`
// (many): every LM fault on every execution shape, random disconnect/resume
// trials, hostile requests, and the auth and origin matrices. Each part returns
// counts; the callers assert them and report them.
import type { RunEvent } from "../../src/dspy/events";
import { type Answer, Client, nonce, pool, type StreamRead } from "./client";
import { type Fault, HUGE_ANSWER_CHARS } from "./fault-lm";

export type Mode = "sync" | "attached" | "durable";
type RunEnd = Extract<RunEvent, { type: "run_end" }>;

export interface Expectation {
  status: "succeeded" | "failed";
  /** The sync answer's HTTP status and error code. */
  sync: [number, string?];
  /** An lm_retry with this HTTP status (null: timeout/reset) must precede the answer. */
  retry?: number | null;
  /** Text the run_end error message must contain. */
  message?: string;
}

export const EXPECTED: Record<Exclude<Fault, "slow">, Expectation> = {
  ok: { status: "succeeded", sync: [200] },
  "429_retry_after": { status: "succeeded", sync: [200], retry: 429 },
  "429": { status: "succeeded", sync: [200], retry: 429 },
  "429_always": { status: "failed", sync: [429, "rate_limited"], message: "HTTP 429" },
  "500": { status: "succeeded", sync: [200], retry: 500 },
  "503": { status: "succeeded", sync: [200], retry: 503 },
  "500_always": { status: "failed", sync: [502, "lm_error"], message: "HTTP 500", retry: 500 },
  reset_before: { status: "succeeded", sync: [200], retry: null },
  reset_mid: { status: "failed", sync: [502, "lm_error"] },
  stall_before: { status: "failed", sync: [502, "lm_error"], message: "sent nothing for 1 s (no first token", retry: null },
  stall_mid: { status: "failed", sync: [502, "lm_error"], message: "sent nothing for 1 s after its last token" },
  malformed: { status: "failed", sync: [502, "lm_error"] },
  no_marker: { status: "succeeded", sync: [200] },
  empty: { status: "failed", sync: [502, "lm_parse_error"], message: "empty" },
  huge: { status: "succeeded", sync: [200] },
  echo_key: { status: "succeeded", sync: [200] },
};

export interface FaultResult {
  fault: string;
  mode: Mode;
  problems: string[];
}

const JSON_HEADERS = { "content-type": "application/json" };

/** Problems with a run's event list: seqs 1..n, one run_end, last. */
export function logProblems(events: RunEvent[]): string[] {
  const problems: string[] = [];
  events.forEach((e, i) => {
    if (e.seq !== i + 1) problems.push(`seq ${e.seq} at position ${i + 1}`);
  });
  const ends = events.filter((e) => e.type === "run_end");
  if (ends.length !== 1) problems.push(`${ends.length} run_end events`);
  else if (events.at(-1)?.type !== "run_end") problems.push("run_end is not last");
  return problems.slice(0, 5);
}

async function replay(client: Client, runId: string): Promise<RunEvent[]> {
  return (await client.stream(`/api/runs/${runId}/events`)).events;
}

/** One fault on one execution shape; returns what went wrong (nothing, ideally). */
export async function faultRun(client: Client, fault: Exclude<Fault, "slow">, mode: Mode): Promise<FaultResult> {
  const expected = EXPECTED[fault];
  const problems: string[] = [];
  const question = `FAULT:${fault} NONCE:${nonce()}`;
  let runId: string | null = null;
  let live: RunEvent[] | null = null;
  let sync: Answer | null = null;
  if (mode === "sync") {
    sync = await client.postJson("/qa", { question });
    const [status, code] = expected.sync;
    if (sync.status !== status) problems.push(`sync status ${sync.status}, expected ${status}: ${sync.text.slice(0, 300)}`);
    const body = sync.json as { run_id?: string; answer?: string; error?: { code: string; details?: { run_id?: string } } } | undefined;
    if (code && body?.error?.code !== code) problems.push(`sync error code ${body?.error?.code}, expected ${code}`);
    if (fault === "429_always" && sync.headers.get("retry-after") !== "30") problems.push(`sync 429 Retry-After ${sync.headers.get("retry-after")}`);
    if (fault === "huge" && body?.answer?.length !== HUGE_ANSWER_CHARS) problems.push(`huge sync answer has ${body?.answer?.length} chars`);
    if (fault === "echo_key" && !body?.answer?.includes("[redacted]")) problems.push("echoed key not shown as [redacted]");
    runId = body?.run_id ?? body?.error?.details?.run_id ?? sync.headers.get("x-run-id");
  } else if (mode === "attached") {
    const read = await client.stream("/qa/stream", { method: "POST", headers: JSON_HEADERS, body: JSON.stringify({ question }) });
    if (read.status !== 200) problems.push(`attached status ${read.status}`);
    runId = read.headers.get("x-run-id");
    live = read.events;
  } else {
    const started = await client.postJson("/api/runs", { program: "qa", inputs: { question } });
    if (started.status !== 202) problems.push(`durable start status ${started.status}`);
    runId = (started.json as { run_id?: string } | undefined)?.run_id ?? null;
    if (runId) live = (await client.stream(`/api/runs/${runId}/events`)).events;
  }
  if (!runId) return { fault, mode, problems: [...problems, "no run id"] };
  const log = await replay(client, runId);
  problems.push(...logProblems(log));
  if (live && JSON.stringify(live) !== JSON.stringify(log)) problems.push(`live events (${live.length}) differ from the log (${log.length})`);
  const end = log.at(-1) as RunEnd | undefined;
  if (end?.type === "run_end") {
    if (end.status !== expected.status) problems.push(`run_end ${end.status}, expected ${expected.status}: ${end.error?.message.slice(0, 300)}`);
    if (expected.message && !end.error?.message.includes(expected.message)) problems.push(`run_end error lacks "${expected.message}": ${end.error?.message.slice(0, 300)}`);
  }
  if (expected.retry !== undefined) {
    const starts = new Map(log.filter((e) => e.type === "lm_start").map((e) => [(e as { call_id: string }).call_id, e]));
    const retries = log.filter((e): e is Extract<RunEvent, { type: "lm_retry" }> => e.type === "lm_retry");
    if (!retries.some((r) => r.status === expected.retry && starts.has(r.call_id))) problems.push(`no lm_retry with status ${expected.retry}`);
  }
  return { fault, mode, problems };
}

export interface ResumeCounts {
  trials: number;
  events: number;
  lost: number;
  doubled: number;
  unterminated: number;
  hung: number;
  failures: string[];
}

/** A deterministic PRNG (the seed is printed, so a failing trial can be replayed). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, fail) => setTimeout(() => fail(new Error(`hung: ${what}`)), ms))]);

/** Start a run (attached or durable), drop the stream after a random event, resume once or twice, and compare with the log. */
export async function resumeTrial(client: Client, random: () => number, counts: ResumeCounts): Promise<void> {
  const mode: Mode = random() < 0.5 ? "attached" : "durable";
  const question = `FAULT:slow NONCE:${nonce()}`;
  const dropAfter = 1 + Math.floor(random() * 28);
  const resumes = random() < 0.3 ? 2 : 1;
  const how = Array.from({ length: resumes }, () => (random() < 0.5 ? "header" : "query"));
  const secondDrop = 1 + Math.floor(random() * 8);
  const run = async () => {
    let first: StreamRead;
    let runId: string | null;
    if (mode === "attached") {
      first = await client.stream("/qa/stream", { method: "POST", headers: JSON_HEADERS, body: JSON.stringify({ question }) }, dropAfter);
      runId = first.headers.get("x-run-id");
    } else {
      const started = await client.postJson("/api/runs", { program: "qa", inputs: { question } });
      runId = (started.json as { run_id?: string } | undefined)?.run_id ?? null;
      first = await client.stream(`/api/runs/${runId}/events`, {}, dropAfter);
    }
    if (!runId) throw new Error(`${mode}: no run id`);
    const got = [...first.events];
    for (let r = 0; r < resumes; r++) {
      const last = got.at(-1)?.seq ?? 0;
      const path = `/api/runs/${runId}/events${how[r] === "query" ? `?after=${last}` : ""}`;
      const headers: Record<string, string> = how[r] === "header" ? { "last-event-id": String(last) } : {};
      const next = await client.stream(path, { headers }, r < resumes - 1 ? secondDrop : undefined);
      if (next.status !== 200 && next.status !== 204) throw new Error(`resume answered ${next.status}`);
      got.push(...next.events);
    }
    return { runId, got };
  };
  counts.trials++;
  try {
    const { runId, got } = await withTimeout(run(), 60_000, `${mode} trial`);
    const log = await withTimeout(replay(client, runId), 30_000, "replay");
    const seen = new Set<number>();
    for (const e of got) {
      if (seen.has(e.seq)) counts.doubled++;
      seen.add(e.seq);
      const stored = log[e.seq - 1];
      if (!stored || JSON.stringify(stored) !== JSON.stringify(e)) counts.failures.push(`${runId}: event ${e.seq} differs from the log`);
    }
    counts.events += got.length;
    counts.lost += log.filter((e) => !seen.has(e.seq)).length;
    if (got.at(-1)?.type !== "run_end") counts.unterminated++;
    const problems = logProblems(log);
    if (problems.length) counts.failures.push(`${runId}: ${problems.join("; ")}`);
  } catch (e) {
    if ((e as Error).message.startsWith("hung")) counts.hung++;
    else counts.failures.push(`${mode}: ${(e as Error).message}`);
  }
}

export async function resumeTrials(client: Client, trials: number, seed: number, concurrency = 4): Promise<ResumeCounts> {
  const counts: ResumeCounts = { trials: 0, events: 0, lost: 0, doubled: 0, unterminated: 0, hung: 0, failures: [] };
  const random = rng(seed);
  await pool(Array.from({ length: trials }, () => () => resumeTrial(client, random, counts)), concurrency);
  return counts;
}

export interface HostileRequest {
  what: string;
  path: string;
  init: RequestInit & { auth?: boolean };
}

/** ≥ 300 malformed or hostile requests: methods, bodies, content types, ids, Last-Event-ID, headers, origins, queries. */
export function hostileRequests(base: string, finishedRunId: string): HostileRequest[] {
  const out: HostileRequest[] = [];
  const add = (what: string, path: string, init: RequestInit & { auth?: boolean } = {}) => out.push({ what, path, init });
  const unknown = "0123456789abcdef".repeat(2);
  const paths = [
    "/qa", "/qa/stream", "/api/runs", `/api/runs/${unknown}`, `/api/runs/${unknown}/events`, `/api/runs/${unknown}/cancel`,
    `/api/runs/${finishedRunId}`, `/api/runs/${finishedRunId}/events`, "/api/programs", "/api/programs/qa", "/api/programs/qa/runs",
    "/api/programs/qa/metrics", "/api/programs/nope/runs", "/openapi.json", "/nope", "/nope/stream", "/api", "/api/runs/",
  ];
  for (const method of ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    for (const path of paths) {
      const body = method === "GET" || method === "OPTIONS" ? undefined : "{}";
      add(`${method} ${path}`, path, { method, headers: JSON_HEADERS, body });
    }
  }
  const deep = "[".repeat(5000) + "]".repeat(5000);
  const bodies: [string, BodyInit][] = [
    ["empty", ""], ["space", "   "], ["open brace", "{"], ["array", "[]"], ["null", "null"], ["number", "1"], ["string", '"q"'],
    ["true", "true"], ["question number", '{"question":1}'], ["question null", '{"question":null}'], ["question array", '{"question":["a"]}'],
    ["question object", '{"question":{"a":1}}'], ["no question", '{"q":"x"}'], ["deep nesting", deep], ["deep object", `{"question":${deep}}`],
    ["proto", '{"__proto__":{"polluted":1},"question":"FAULT:ok"}'], ["constructor", '{"constructor":{"prototype":{"x":1}}}'],
    ["trailing comma", '{"question":"q",}'], ["single quotes", "{'question':'q'}"], ["comment", '{"question":"q"/*c*/}'],
    ["nan", '{"question":NaN}'], ["bom", '\ufeff{"question":"FAULT:ok"}'], ["invalid utf8", new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
    ["nul bytes", '{"question":"a\u0000b"}'], ["lone surrogate", '{"question":"\\ud800"}'], ["2 MB", JSON.stringify({ question: "x".repeat(2_000_000) })],
    ["many keys", JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])))],
    ["program only", '{"program":"qa"}'], ["program number", '{"program":1,"inputs":{}}'], ["program unknown", '{"program":"nope","inputs":{}}'],
    ["inputs array", '{"program":"qa","inputs":[]}'], ["inputs string", '{"program":"qa","inputs":"q"}'],
    ["program proto", '{"program":"__proto__","inputs":{}}'], ["program toString", '{"program":"toString","inputs":{}}'],
  ];
  for (const path of ["/qa", "/api/runs", "/qa/stream"]) {
    for (const [what, body] of bodies) add(`body ${what} → ${path}`, path, { method: "POST", headers: JSON_HEADERS, body });
  }
  const types = [
    "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonp",
    "application/json-patch+json", "text/json", "application/xml", "*/*", "application/json; charset=latin1", "APPLICATION/JSON", "",
  ];
  for (const type of types) {
    for (const path of ["/qa", "/api/runs"]) {
      const headers: Record<string, string> = type ? { "content-type": type } : {};
      add(`content-type "${type}" → ${path}`, path, { method: "POST", headers, body: '{"question":"q","program":"qa","inputs":{"question":"q"}}' });
    }
  }
  const ids = [
    "x", "0", unknown.toUpperCase(), unknown + "0", unknown.slice(1), "g".repeat(32), "..", "%2e%2e", "%00", "a%2Fb", "<script>", "'%20OR%201=1",
    "é".repeat(32), "a".repeat(2000), "__proto__", "constructor", "null", "undefined", "-1", "%ff%fe",
  ];
  for (const id of ids) {
    add(`id ${id.slice(0, 20)} summary`, `/api/runs/${id}`);
    add(`id ${id.slice(0, 20)} events`, `/api/runs/${id}/events`);
    add(`id ${id.slice(0, 20)} cancel`, `/api/runs/${id}/cancel`, { method: "POST" });
  }
  const seqs = ["-1", "abc", "1e3", "1.5", "0x10", "99999999999999999999", "9007199254740993", " 3 ", "", "3,4", "\u00b2\u00b3", "1".repeat(400), "NaN", "Infinity", "+1"];
  for (const value of seqs) {
    add(`Last-Event-ID "${value.slice(0, 20)}"`, `/api/runs/${finishedRunId}/events`, { headers: { "last-event-id": value } });
    add(`after=${value.slice(0, 20)}`, `/api/runs/${finishedRunId}/events?after=${encodeURIComponent(value)}`);
  }
  for (const limit of ["0", "-1", "201", "abc", "1.5", "1e2", "", "99999999999999999999", "%00", "20&limit=30"]) {
    add(`limit ${limit}`, `/api/programs/qa/runs?limit=${limit}`);
  }
  const headerSets: [string, Record<string, string>][] = [
    ["huge header", { "x-junk": "a".repeat(8000) }], ["accept html", { accept: "text/html" }], ["accept nothing", { accept: "application/none" }],
    ["range", { range: "bytes=0-10" }], ["if-none-match", { "if-none-match": "*" }], ["x-forwarded-host", { "x-forwarded-host": "evil.example" }],
    ["cookie junk", { cookie: "dspy_edge_token=" + "z".repeat(3000) }], ["te trailers", { te: "trailers" }],
    ["content-encoding gzip lie", { "content-type": "application/json", "content-encoding": "gzip" }], ["method override", { "x-http-method-override": "DELETE" }],
  ];
  for (const [what, headers] of headerSets) {
    add(`header ${what} GET`, "/api/programs", { headers });
    add(`header ${what} POST`, "/qa", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: '{"question":"q"}' });
  }
  const origins = ["https://evil.example", "null", "http://127.0.0.1", "https://allowed.example.evil", base.replace("127.0.0.1", "localhost"), "file://", "chrome-extension://abc", "*", "", "https://ALLOWED.example"];
  for (const origin of origins) {
    for (const path of ["/qa", "/qa/stream", "/api/runs", `/api/runs/${finishedRunId}/cancel`]) {
      add(`origin "${origin}" → ${path}`, path, { method: "POST", headers: { ...JSON_HEADERS, origin }, body: '{"question":"q","program":"qa","inputs":{"question":"q"}}' });
    }
  }
  return out;
}

export interface HostileCounts {
  requests: number;
  fiveHundreds: number;
  nonJsonErrors: number;
  failures: string[];
}

/** Sends every hostile request; counts 5xx and error answers that are not `{error:{code,message,details}}` JSON. */
export async function sendHostile(client: Client, requests: HostileRequest[], concurrency = 6): Promise<HostileCounts> {
  const counts: HostileCounts = { requests: 0, fiveHundreds: 0, nonJsonErrors: 0, failures: [] };
  await pool(
    requests.map((r) => async () => {
      counts.requests++;
      let status: number;
      let text = "";
      let type = "";
      try {
        const res = await fetch(client.base + r.path, { ...r.init, headers: { authorization: `Bearer ${client.token}`, ...(r.init.headers as Record<string, string>) } });
        status = res.status;
        type = res.headers.get("content-type") ?? "";
        text = await res.text();
        client.scan.responses++;
        client.scan.bytes += text.length;
        for (const s of client.scan.secrets) if (text.includes(s)) client.scan.leaks.push(`hostile ${r.what}`);
      } catch (e) {
        counts.failures.push(`${r.what}: ${(e as Error).message}`);
        return;
      }
      if (status >= 500) {
        counts.fiveHundreds++;
        counts.failures.push(`${r.what}: ${status} ${text.slice(0, 200)}`);
      }
      if (status >= 400) {
        let ok = type.includes("application/json");
        try {
          const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
          ok &&= typeof body.error?.code === "string" && typeof body.error?.message === "string" && "details" in body.error;
        } catch {
          ok = false;
        }
        if (!ok) {
          counts.nonJsonErrors++;
          counts.failures.push(`${r.what}: ${status} not a JSON error: ${type} ${text.slice(0, 100)}`);
        }
      }
    }),
    concurrency,
  );
  return counts;
}
