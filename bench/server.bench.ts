// End-to-end benchmarks against `wrangler dev` (workerd, real Durable Objects,
// demo LM with no token delay): what live streaming and the durable log cost
// next to the plain sync call, and what a resume costs next to a status read.
import { execFileSync } from "node:child_process";
import { createParser } from "eventsource-parser";
import { startDevServer } from "../scripts/dev-server";
import { type Row, type Stats, measure, round, summarize } from "./measure";

const QUESTION = { question: "Why is the sky blue?" };

/** The client's heap says nothing about the server: its memory is the RSS row. */
function timing({ heap_kb: _heap, ...stats }: Stats): Omit<Stats, "heap_kb"> {
  return stats;
}

async function readSSE(res: Response, onFirst?: () => void): Promise<number> {
  let events = 0;
  const parser = createParser({
    onEvent() {
      if (events++ === 0) onFirst?.();
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
  return events;
}

/** Resident memory of every process in the dev server's group (wrangler + workerd), in MB. */
function groupRssMb(pgid: number): number {
  const out = execFileSync("ps", ["-o", "rss=", "-g", String(pgid)], { encoding: "utf8" });
  return Math.round(out.split("\n").reduce((sum, line) => sum + (Number(line.trim()) || 0), 0) / 1024);
}

export async function serverBenches(runs = 40): Promise<Row[]> {
  const server = await startDevServer({ DEMO_LM_DELAY_MS: "0" });
  try {
    const post = (path: string) =>
      fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(QUESTION) });
    const rssBefore = groupRssMb(server.pid);

    const sync = await measure(runs, async () => {
      const res = await post("/reason");
      if (!res.ok) throw new Error(`POST /reason → ${res.status}: ${await res.text()}`);
      await res.json();
    });

    const firstEvent: number[] = [];
    let events = 0;
    let lastRun = "";
    const stream = await measure(runs, async () => {
      const t = performance.now();
      const res = await post("/reason/stream");
      if (!res.ok) throw new Error(`POST /reason/stream → ${res.status}: ${await res.text()}`);
      lastRun = res.headers.get("x-run-id") ?? "";
      events = await readSSE(res, () => firstEvent.push(performance.now() - t));
    });
    const ttfe = summarize(firstEvent.slice(-runs));

    // The log is written in batches behind the live stream: wait for run_end to land before replaying.
    for (let i = 0; i < 100; i++) {
      const status = (await (await fetch(`${server.url}/api/runs/${lastRun}`)).json()) as { status?: string };
      if (status.status && status.status !== "running") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const replay = await measure(runs, async () => {
      const n = await readSSE(await fetch(`${server.url}/api/runs/${lastRun}/events`));
      if (n !== events) throw new Error(`replay gave ${n} events, the live stream ${events}`);
    });
    const status = await measure(runs, async () => (await fetch(`${server.url}/api/runs/${lastRun}`)).json());

    const concurrency = 8;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => readSSE(await post("/reason/stream"))));
    const wall = performance.now() - t0;
    const rssAfter = groupRssMb(server.pid);

    return [
      { bench: "POST /reason (sync JSON, peer)", ...timing(sync.stats), note: "ChainOfThought, demo LM" },
      { bench: "POST /reason/stream (SSE + DO log)", ...timing(stream.stats), note: `${events} events/run; first event p50 ${ttfe.p50_ms} ms` },
      { bench: "GET /api/runs/{id} (status JSON, peer)", ...timing(status.stats) },
      { bench: "GET /api/runs/{id}/events (full replay)", ...timing(replay.stats), note: `${events} events from the DO log` },
      { bench: `${concurrency} concurrent streams`, runs: concurrency, p50_ms: round(wall), ops_per_s: Math.round((concurrency / wall) * 1000), note: "wall time for all" },
      { bench: "dev server memory (RSS)", note: `${rssBefore} MB before, ${rssAfter} MB after ${runs * 2 + concurrency} runs` },
    ];
  } finally {
    await server.stop();
  }
}
