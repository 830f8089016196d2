// Live delivery under load, over real HTTP: `wrangler dev` (workerd + Durable
// Objects) runs the `reason` program (ChainOfThought) against a fake
// OpenAI-compatible LM in its own process that streams one token every 10 ms
// (20 tokens per output field) and stamps each token with the monotonic time
// it was written. N clients start runs at once — attached streams, durable
// runs followed over the events route, or sync calls — and we record what a
// user feels (token lag, lm_end lag, first event, run time against the LM's own
// streaming time) and what the server pays (log appends per run, workerd CPU
// per event). The peer is the same server with the log's batch window off
// (`LOG_BATCH_MS=0`: one append per event as it is produced, round 1's design).
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createParser } from "eventsource-parser";
import { startDevServer, type DevServer } from "../scripts/dev-server";
import type { RunEvent } from "../src/dspy/events";
import { nowUs } from "./lm-server";
import { round, type Row } from "./measure";

const DELAY_MS = 10;
const TOKENS = 20;
const QUESTION = { question: "Why is the sky blue?" };
type Mode = "attached" | "durable" | "sync";

interface RunSample {
  ok: boolean;
  firstModuleMs?: number;
  tokenLagMs: number[];
  lmEndLagMs: number[];
  totalMs: number;
  lmCalls: number;
  runId?: string;
  received: number;
}

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const pair = (xs: number[]) => (xs.length ? `${round(percentile(xs, 50))} / ${round(percentile(xs, 99))}` : "–");

/** The LM's own streaming time for one ChainOfThought call: each chunk waits DELAY_MS. */
function lmStreamMs(fields = 2, tokens = TOKENS, delay = DELAY_MS): number {
  return (fields * (tokens + 1) + 1) * delay;
}

/** Reads an SSE response, timing each event on arrival. */
async function follow(res: Response, t0: bigint, sample: RunSample): Promise<void> {
  const lastToken = new Map<string, bigint>();
  let expectSeq = 1;
  const parser = createParser({
    onEvent(m) {
      const now = nowUs();
      const e = JSON.parse(m.data) as RunEvent;
      if (e.seq !== expectSeq) sample.ok = false; // lost or doubled
      expectSeq = e.seq + 1;
      sample.received++;
      if (e.type === "module_start" && sample.firstModuleMs === undefined) sample.firstModuleMs = Number(now - t0) / 1000;
      else if (e.type === "lm_start") sample.lmCalls++;
      else if (e.type === "lm_delta") {
        for (const m of e.delta.matchAll(/@(\d+)/g)) {
          const sent = BigInt(m[1]);
          sample.tokenLagMs.push(Number(now - sent) / 1000);
          lastToken.set(e.call_id, sent);
        }
      } else if (e.type === "lm_end") {
        const sent = lastToken.get(e.call_id);
        if (sent !== undefined) sample.lmEndLagMs.push(Number(now - sent) / 1000);
      } else if (e.type === "run_end") {
        sample.totalMs = Number(now - t0) / 1000;
        sample.ok &&= e.status === "succeeded";
        sample.runId = e.run_id;
      }
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
}

async function oneRun(url: string, mode: Mode): Promise<RunSample> {
  const sample: RunSample = { ok: true, tokenLagMs: [], lmEndLagMs: [], totalMs: NaN, lmCalls: 0, received: 0 };
  const t0 = nowUs();
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  try {
    if (mode === "attached") {
      const res = await post("/reason/stream", QUESTION);
      if (!res.ok) throw new Error(`${res.status}`);
      await follow(res, t0, sample);
      sample.ok &&= sample.runId !== undefined;
    } else if (mode === "durable") {
      const res = await post("/api/runs", { program: "reason", inputs: QUESTION });
      if (res.status !== 202) throw new Error(`${res.status}`);
      const { events_url } = (await res.json()) as { events_url: string };
      await follow(await fetch(`${url}${events_url}`), t0, sample);
      sample.ok &&= sample.runId !== undefined;
    } else {
      const res = await post("/reason", QUESTION);
      const body = (await res.json()) as { run_id?: string };
      sample.totalMs = Number(nowUs() - t0) / 1000;
      sample.ok = res.ok;
      sample.runId = body.run_id;
      sample.lmCalls = 1;
    }
  } catch {
    sample.ok = false;
  }
  return sample;
}

/** CPU seconds (user + system) of the workerd processes in the dev server's process group. */
function workerdCpuS(pgid: number): number {
  const out = execFileSync("ps", ["-o", "pid=,comm=", "-g", String(pgid)], { encoding: "utf8" });
  let ticks = 0;
  for (const line of out.trim().split("\n")) {
    const [pid, comm] = line.trim().split(/\s+/);
    if (comm !== "workerd") continue;
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // exited
    }
  }
  return ticks / 100; // USER_HZ
}

interface Summary {
  status: string;
  events: number;
  appends?: number;
}

async function summaries(url: string, ids: string[]): Promise<Summary[]> {
  const out: Summary[] = [];
  for (const id of ids) {
    // The log lands behind the live stream: wait for run_end to be stored.
    for (let i = 0; i < 200; i++) {
      const s = (await (await fetch(`${url}/api/runs/${id}`)).json()) as Summary;
      if (s.status !== "running") {
        out.push(s);
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return out;
}

async function scenario(server: DevServer, mode: Mode, n: number, label: string): Promise<Row> {
  const cpu0 = workerdCpuS(server.pid);
  // At 1 run, ten runs one after another give the percentiles something to work with.
  const rounds = n === 1 ? 10 : 1;
  const samples: RunSample[] = [];
  for (let r = 0; r < rounds; r++) samples.push(...(await Promise.all(Array.from({ length: n }, () => oneRun(server.url, mode)))));
  const cpu = workerdCpuS(server.pid) - cpu0;
  const logged = await summaries(server.url, samples.flatMap((s) => (s.runId ? [s.runId] : [])));
  const events = logged.reduce((sum, s) => sum + s.events, 0);
  const lost =
    samples.filter((s) => !s.ok).length +
    logged.filter((s, i) => s.status !== "succeeded" || (mode !== "sync" && samples[i].received !== s.events)).length;
  const ratios = samples.filter((s) => s.ok).map((s) => s.totalMs / (s.lmCalls * lmStreamMs()));
  const appends = logged.map((s) => s.appends ?? NaN);
  return {
    bench: `${label}, ${n} concurrent`,
    "token lag p50/p99 ms": pair(samples.flatMap((s) => s.tokenLagMs)),
    "lm_end lag p50/p99 ms": pair(samples.flatMap((s) => s.lmEndLagMs)),
    "first event p50/p99 ms": pair(samples.flatMap((s) => (s.firstModuleMs === undefined ? [] : [s.firstModuleMs]))),
    "run ÷ LM time p50": round(percentile(ratios, 50)),
    "appends/run p50 (max)": appends.length ? `${percentile(appends, 50)} (${Math.max(...appends)})` : "–",
    "CPU µs/event": events ? Math.round((cpu * 1e6) / events) : "–",
    lost: lost,
  };
}

/** One run whose LM streams `tokens` tokens per field as fast as it can; then a replay of its log. */
async function burst(server: DevServer, setLm: (cfg: { delayMs: number; tokens: number }) => Promise<void>): Promise<Row[]> {
  await setLm({ delayMs: 0, tokens: 5000 });
  const cpu0 = workerdCpuS(server.pid);
  const sample: RunSample = { ok: true, tokenLagMs: [], lmEndLagMs: [], totalMs: NaN, lmCalls: 0, received: 0 };
  const t0 = nowUs();
  let lmFirst = 0n;
  let lmLast = 0n;
  const res = await fetch(`${server.url}/reason/stream`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(QUESTION) });
  // LM time: first to last token as the LM wrote them (their stamps).
  const lmTimes = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, c) {
      for (const m of new TextDecoder().decode(chunk).matchAll(/@(\d+)/g)) {
        const t = BigInt(m[1]);
        if (!lmFirst) lmFirst = t;
        lmLast = t;
      }
      c.enqueue(chunk);
    },
  });
  await follow(new Response(res.body!.pipeThrough(lmTimes)), t0, sample);
  const lmMs = Number(lmLast - lmFirst) / 1000;
  const [logged] = await summaries(server.url, [sample.runId!]);
  const cpu = workerdCpuS(server.pid) - cpu0;
  const firstByte: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = nowUs();
    const replay = await fetch(`${server.url}/api/runs/${sample.runId}/events`);
    const reader = replay.body!.getReader();
    await reader.read();
    firstByte.push(Number(nowUs() - t) / 1000);
    while (!(await reader.read()).done);
  }
  await setLm({ delayMs: DELAY_MS, tokens: TOKENS });
  return [
    {
      bench: `one run of ${logged.events} events (attached)`,
      "run ÷ LM time p50": round(sample.totalMs / Math.max(lmMs, 1)),
      "appends/run p50 (max)": String(logged.appends ?? "–"),
      "CPU µs/event": Math.round((cpu * 1e6) / logged.events),
      lost: sample.ok && sample.received === logged.events ? 0 : 1,
      note: `LM streamed for ${round(lmMs)} ms; the run took ${round(sample.totalMs)} ms; replay first byte p50 ${round(percentile(firstByte, 50))} ms`,
    },
  ];
}

/** Starts the fake LM in its own Node process (this bundle, `lm-server` entry). */
async function spawnLm(): Promise<{ url: string; set(cfg: { delayMs: number; tokens: number }): Promise<void>; stop(): void }> {
  const child = spawn(process.execPath, [process.argv[1], "lm-server", String(DELAY_MS), String(TOKENS)], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((ok, fail) => {
    child.stdout!.once("data", (d) => ok(String(d).trim()));
    child.once("exit", (code) => fail(new Error(`lm server exited ${code}`)));
  });
  return {
    url,
    set: async (cfg) => {
      await fetch(`${url.replace(/\/v1$/, "")}/config`, { method: "POST", body: JSON.stringify(cfg) });
    },
    stop: () => child.kill(),
  };
}

export async function liveBenches(levels = [1, 10, 50, 200]): Promise<Row[]> {
  const lm = await spawnLm();
  const rows: Row[] = [];
  try {
    const vars = { LM_BASE_URL: lm.url, OPENAI_API_KEY: "sk-bench-not-a-real-key", LM_MODEL: "bench-lm" };
    const server = await startDevServer(vars);
    try {
      await oneRun(server.url, "attached"); // warm the isolate
      for (const mode of ["attached", "durable", "sync"] as const) {
        for (const n of levels) rows.push(await scenario(server, mode, n, mode));
      }
      rows.push(...(await burst(server, lm.set)));
    } finally {
      await server.stop();
    }
    const peer = await startDevServer({ ...vars, LOG_BATCH_MS: "0" });
    try {
      await oneRun(peer.url, "attached");
      for (const n of levels.filter((l) => l <= 50)) rows.push(await scenario(peer, "attached", n, "peer: attached, per-event log"));
      rows.push(...(await burst(peer, lm.set)).map((r) => ({ ...r, bench: `peer: ${r.bench}` })));
    } finally {
      await peer.stop();
    }
  } finally {
    lm.stop();
  }
  return rows;
}

/** `npm run bench -- profile [burst|attached|durable] [N]`: the same load under workerd's CPU profiler. */
export async function profileLive(what: string, n: number, profile: (s: DevServer, work: () => Promise<void>) => Promise<string>): Promise<string> {
  const lm = await spawnLm();
  const server = await startDevServer({ LM_BASE_URL: lm.url, OPENAI_API_KEY: "sk-bench-not-a-real-key", LM_MODEL: "bench-lm", ...(process.env.LOG_BATCH_MS ? { LOG_BATCH_MS: process.env.LOG_BATCH_MS } : {}) });
  try {
    await oneRun(server.url, "attached");
    let rows: Row[] = [];
    const report = await profile(server, async () => {
      rows = what === "burst" ? await burst(server, lm.set) : [await scenario(server, what as Mode, n, what)];
    });
    return `${JSON.stringify(rows)}\n${report}`;
  } finally {
    await server.stop();
    lm.stop();
  }
}
