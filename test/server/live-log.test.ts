// The run log under a token stream: the live path never waits for storage, the
// log is written in time windows (a bounded number of appends however fast
// tokens come), and every client still ends with a run_end it can see — even
// when the driver is cut between showing an event and storing it.
import { env } from "cloudflare:workers";
import { createExecutionContext, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import type { RunEvent } from "../../src/dspy/events";
import app from "../../src/index";
import { Batcher } from "../../src/server/batcher";
import { DEFAULT_LOG_BATCH_MS, type ServerEnv } from "../../src/server/env";
import { SEQ_GRANT_AHEAD } from "../../src/server/log-batch";
import { chat, get, heldReply, post, readSse, replay, scriptedPrograms, seqs, summaryOf, until } from "./helpers";

const script = scriptedPrograms();
const cot = () => new ChainOfThought("question -> answer");
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ");
// Over 100 deltas: each word is one, while a field marker's tokens arrive as one delta (lm_delta.field holds a
// possible marker back until it is decided).
const LONG = chat({ reasoning: words(80), answer: words(40) });
const stubOf = (runId: string) => env.RUNS.get(env.RUNS.idFromName(runId));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Batcher windows", () => {
  it("items arriving 10 ms apart cost at most ⌈duration / window⌉ + 2 calls, in order", async () => {
    const calls: number[][] = [];
    const batcher = new Batcher<number>(async (items) => void calls.push(items), { windowMs: 50 });
    const started = Date.now();
    for (let i = 0; i < 40; i++) {
      batcher.push(i);
      await sleep(10);
    }
    await batcher.drain();
    const elapsed = Date.now() - started;
    expect(calls.flat()).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 2);
    // Batched, not one call per item: 40 items took well under 40 calls.
    expect(calls.length).toBeLessThan(20);
  });

  it("a full batch goes before its window ends, and drain sends the rest at once", async () => {
    const calls: number[][] = [];
    const batcher = new Batcher<number>(async (items) => void calls.push(items), { windowMs: 600_000, maxBatchSize: 10 });
    for (let i = 0; i < 25; i++) batcher.push(i);
    await until(async () => calls.length, (n) => n >= 1, "the full batch");
    await batcher.drain();
    expect(calls.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(calls[0]).toHaveLength(25); // the whole synchronous burst was waiting when the window was cut
  });
});

describe("attached run log", () => {
  it("a run of tokens 10 ms apart makes at most ⌈duration / window⌉ + a few appends, and stores every event", async () => {
    const p = script(cot, () => LONG, { chunkDelayMs: 10 });
    const res = await post(`/${p.name}/stream`, { question: "q" });
    const runId = res.headers.get("x-run-id")!;
    const live = await readSse(res);
    const deltas = live.events.filter((e) => e.type === "lm_delta").length;
    expect(deltas).toBeGreaterThan(100);
    const run = await until(() => summaryOf(stubOf(runId)), (r) => r?.status === "succeeded", "run stored");
    const duration = live.events.at(-1)!.ts - live.events[0].ts;
    expect(run!.appends).toBeLessThanOrEqual(Math.ceil(duration / DEFAULT_LOG_BATCH_MS) + 3);
    expect(run!.appends).toBeLessThan(deltas / 3);
    expect((await replay(runId)).events).toEqual(live.events);
  });

  it("the client sees events before the log has them (the live path never waits for storage)", async () => {
    const g = heldReply(LONG);
    const p = script(cot, g.respond);
    const res = await post(`/${p.name}/stream`, { question: "q" });
    const runId = res.headers.get("x-run-id")!;
    // lm_start reached the client while the LM call is held open...
    const seen = await readSse(res, (e) => e.type === "lm_start");
    expect(seen.events.map((e) => e.type)).toContain("lm_start");
    // ...and the log catches up within its window, in order.
    await until(() => summaryOf(stubOf(runId)), (r) => (r?.events ?? 0) >= seen.events.length, "events stored");
    const last = seen.events.at(-1)!.seq;
    const stored = await readSse(await get(`/api/runs/${runId}/events`), (e) => e.seq >= last);
    expect(stored.events).toEqual(seen.events);
    g.open();
  });
});

describe("durable run log", () => {
  it("subscribers joining at any moment (events shown but not yet stored) get exactly the whole log", async () => {
    const p = script(cot, () => LONG, { chunkDelayMs: 10 });
    const started = await post("/api/runs", { program: p.name, inputs: { question: "q" } });
    const { run_id: runId } = (await started.json()) as { run_id: string };
    const joins: Promise<RunEvent[]>[] = [];
    for (let i = 0; i < 6; i++) {
      joins.push(readSse(await get(`/api/runs/${runId}/events`)).then((r) => r.events));
      await sleep(37);
    }
    const readings = await Promise.all(joins);
    const log = (await replay(runId)).events;
    expect(log.at(-1)).toMatchObject({ type: "run_end", status: "succeeded" });
    expect(seqs(log)).toEqual(log.map((_, i) => i + 1));
    for (const events of readings) expect(events).toEqual(log);
    const run = await summaryOf(stubOf(runId));
    const duration = log.at(-1)!.ts - log[0].ts;
    expect(run!.appends).toBeLessThanOrEqual(Math.ceil(duration / DEFAULT_LOG_BATCH_MS) + 3);
  });
});

describe("a driver cut between showing and storing", () => {
  /** Starts an attached run whose log window never closes on its own: nothing is stored until the run ends. */
  function startUnstored(name: string) {
    const ctx = createExecutionContext();
    return app.fetch(
      new Request(`http://test/${name}/stream`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"question":"q"}' }),
      { ...env, LOG_BATCH_MS: "600000" } as ServerEnv,
      ctx,
    );
  }

  /** The platform cut the Worker: the object hears nothing for longer than the driver timeout, and its alarm ends the run. */
  async function cut(runId: string) {
    const stub = stubOf(runId);
    await runInDurableObject(stub, (_o, state) => state.storage.sql.exec("UPDATE run SET last_seen = ?", Date.now() - 10 * 60_000));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
  }

  it("a client that saw events the log never got still receives run_end when it resumes", async () => {
    const g = heldReply(LONG);
    const p = script(cot, g.respond);
    const res = await startUnstored(p.name);
    const runId = res.headers.get("x-run-id")!;
    const seen = await readSse(res, (e) => e.type === "lm_start");
    const lastSeen = seen.events.at(-1)!.seq;
    await until(() => summaryOf(stubOf(runId)), (r) => r !== null, "run created");
    expect((await summaryOf(stubOf(runId)))!.events).toBe(0); // shown, not stored
    await cut(runId);
    for (const after of [lastSeen, SEQ_GRANT_AHEAD]) {
      const resumed = await readSse(await get(`/api/runs/${runId}/events`, { "Last-Event-ID": String(after) }));
      expect(resumed.events).toHaveLength(1);
      expect(resumed.events[0]).toMatchObject({ type: "run_end", status: "interrupted" });
      expect(resumed.events[0].seq).toBeGreaterThan(after);
    }
    // Once it has run_end, a resume is told there is nothing more (204 stops an EventSource).
    const end = (await replay(runId)).events.at(-1)!;
    expect((await get(`/api/runs/${runId}/events?after=${end.seq}`)).status).toBe(204);
    g.open();
  });

  it("a client still attached to a driver the object gave up on ends with the object's run_end", async () => {
    const g = heldReply(LONG);
    const p = script(cot, g.respond);
    const res = await startUnstored(p.name);
    const runId = res.headers.get("x-run-id")!;
    const reading = readSse(res);
    await until(() => summaryOf(stubOf(runId)), (r) => r !== null, "run created");
    await cut(runId);
    g.open(); // the driver was alive after all: its first append finds the log closed
    const live = await reading;
    const end = live.events.at(-1)!;
    expect(end).toMatchObject({ type: "run_end", status: "interrupted" });
    expect(live.events.filter((e) => e.type === "run_end")).toHaveLength(1);
    expect(end.seq).toBeGreaterThan(live.events.at(-2)!.seq);
    expect(end).toEqual((await replay(runId)).events.at(-1));
  });
});
