// The run object with events we construct ourselves: ordering rules, batched
// rows, truncation, replay at every point, late subscribers, retention.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TRUNCATED_MARKER, type EventDraft, type RunEvent } from "../../src/dspy/events";
import { EventStamper } from "../../src/server/stamper";
import { newRunId } from "../../src/server/request";
import { expectClosedByObject, get, post, range, readSse, replay, seqs, summaryOf } from "./helpers";

function newRun(mode: "attached" | "durable" | "sync" = "attached") {
  const runId = newRunId();
  const stub = env.RUNS.get(env.RUNS.idFromName(runId));
  const stamper = new EventStamper(runId);
  return { runId, stub, stamper, init: () => stub.init({ run_id: runId, program: "qa", module: "Predict", model: "m", mode, inputs: { question: "q" } }) };
}

/** The run's own tables in the object's SQLite (the platform's `_cf_` tables aside). */
const tablesOf = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (_o, state) =>
    state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray().map((r) => r.name).filter((n) => !n.startsWith("_cf")),
  );

const delta = (text: string): EventDraft => ({ type: "lm_delta", call_id: "c1", parent_id: null, name: "m", delta: text });
const start: EventDraft = { type: "run_start", program: "qa", module: "Predict", inputs: { question: "q" } };
const end = (status: "succeeded" | "failed" = "succeeded"): EventDraft => ({
  type: "run_end", status, outputs: status === "succeeded" ? { answer: "a" } : null,
  error: status === "failed" ? { type: "X", message: "y" } : null, usage: {}, duration_ms: 5,
});

describe("run object log", () => {
  it("stores batches in order, ignores re-sent events, refuses gaps", async () => {
    const { stub, stamper, init } = newRun();
    await init();
    const events = [start, delta("a"), delta("b"), delta("c")].map((d) => stamper.stamp(d));
    expect(await stub.append(events.slice(0, 2))).toMatchObject({ last_seq: 2, finished: false, cancel: false });
    // A retried batch overlapping what is stored: only the new part counts.
    expect(await stub.append(events.slice(1))).toMatchObject({ last_seq: 4 });
    const gap = stamper.stamp(delta("d"));
    gap.seq += 1;
    expect(await stub.append([gap])).toMatchObject({ rejected: expect.stringMatching(/gap/), last_seq: 4 });
    expect((await summaryOf(stub))!.events).toBe(4);
  });

  it("packs a token burst into few rows, and replays from every seq exactly", async () => {
    const { runId, stub, stamper, init } = newRun();
    await init();
    const events = [start, ...Array.from({ length: 300 }, (_, i) => delta(`t${i} `)), end()].map((d) => stamper.stamp(d));
    for (let i = 0; i < events.length; i += 50) await stub.append(events.slice(i, i + 50));
    const rows = await runInDurableObject(stub, (_o, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM events").one().n as number);
    expect(rows).toBeLessThanOrEqual(Math.ceil(events.length / 50));
    for (const after of [0, 1, 49, 50, 51, 137, 301, 302]) {
      const { events: got } = await replay(runId, after);
      expect(seqs(got), `after ${after}`).toEqual(range(after + 1, 302));
    }
    expect((await replay(runId)).events).toEqual(events);
  });

  it("truncates values too large for a row with a visible marker (rows stay under 2 MB)", async () => {
    const { runId, stub, stamper, init } = newRun();
    await init();
    const huge = "x".repeat(3_000_000);
    const first = stamper.stamp(start);
    const big = stamper.stamp({ type: "lm_end", call_id: "c", parent_id: null, name: "m", text: huge, usage: null, cached: false, error: null, duration_ms: 1 });
    expect(JSON.stringify(big).length).toBeLessThan(1_100_000);
    expect(big.type === "lm_end" && big.text!.endsWith(TRUNCATED_MARKER)).toBe(true);
    await stub.append([first, big]);
    const maxRow = await runInDurableObject(stub, (_o, state) => state.storage.sql.exec("SELECT MAX(LENGTH(frames)) AS n FROM events").one().n as number);
    expect(maxRow).toBeLessThan(2_000_000);
    // The run is still live: read the one replayed event, then leave.
    const { events } = await readSse(await get(`/api/runs/${runId}/events?after=1`), () => true);
    expect(events[0]).toMatchObject({ type: "lm_end", text: expect.stringContaining(TRUNCATED_MARKER) });
  });

  it("measures the limit in UTF-8 bytes: 900k CJK characters (2.7 MB) are cut and stored", async () => {
    const { runId, stub, stamper, init } = newRun();
    await init();
    const first = stamper.stamp(start);
    const wide = "文".repeat(900_000);
    const big = stamper.stamp({ type: "lm_end", call_id: "c", parent_id: null, name: "m", text: wide, usage: null, cached: false, error: null, duration_ms: 1 });
    expect(big.type === "lm_end" && big.text!.endsWith(TRUNCATED_MARKER)).toBe(true);
    expect(new TextEncoder().encode(JSON.stringify(big)).byteLength).toBeLessThanOrEqual(1_000_000);
    expect(await stub.append([first, big])).toMatchObject({ last_seq: 2 });
    expect(await stub.append([stamper.stamp(end())])).toMatchObject({ finished: true, last_seq: 3 });
    expect(seqs((await replay(runId)).events)).toEqual([1, 2, 3]);
  });

  it("stores run_end, closes the log and refuses later events", async () => {
    const { stub, stamper, init } = newRun();
    await init();
    const events = [start, end("failed")].map((d) => stamper.stamp(d));
    expect(await stub.append(events)).toMatchObject({ finished: true });
    expect(await summaryOf(stub)).toMatchObject({ status: "failed", error: { type: "X" }, events: 2, counts: { run_start: 1, run_end: 1 } });
    expect(await stub.append([stamper.stamp(delta("late"))])).toMatchObject({ finished: true, last_seq: 2 });
  });

  it("a subscriber joining with a Last-Event-ID beyond the stored log gets only what it lacks", async () => {
    const { runId, stub, stamper, init } = newRun();
    await init();
    const events = [start, ...Array.from({ length: 8 }, (_, i) => delta(String(i))), end()].map((d) => stamper.stamp(d));
    await stub.append(events.slice(0, 3));
    // The client saw up to seq 6 on the attached stream before the object had it.
    const res = await get(`/api/runs/${runId}/events`, { "Last-Event-ID": "6" });
    const reading = readSse(res);
    await stub.append(events.slice(3, 7));
    await stub.append(events.slice(7));
    expect(seqs((await reading).events)).toEqual(range(7, events.length));
  });

  it("fans out to every subscriber identically, then closes them at run_end", async () => {
    const { runId, stub, stamper, init } = newRun();
    await init();
    const events = [start, ...Array.from({ length: 20 }, (_, i) => delta(String(i))), end()].map((d) => stamper.stamp(d));
    await stub.append(events.slice(0, 5));
    const subs = await Promise.all([0, 0, 3, 5].map((after) => get(`/api/runs/${runId}/events?after=${after}`)));
    const readings = Promise.all(subs.map((r) => readSse(r)));
    for (let i = 5; i < events.length; i += 4) await stub.append(events.slice(i, i + 4));
    const [a, b, c, d] = await readings;
    expect(a.events).toEqual(events);
    expect(b.events).toEqual(events);
    expect(c.events).toEqual(events.slice(3));
    expect(d.events).toEqual(events.slice(5));
  });

  it("cancel reaches an attached driver over the control stream", async () => {
    const { stub, stamper, init } = newRun();
    await init();
    await stub.append([stamper.stamp(start)]);
    const control = (await stub.control()) as ReadableStream<Uint8Array>;
    const text = new Response(control).text();
    expect(await stub.cancel()).toMatchObject({ status: "running", cancel_requested: true });
    expect(await text).toBe("cancel\n");
    expect(await stub.append([])).toMatchObject({ cancel: true, finished: false });
  });

  it("a cancelled run whose driver never answers is ended cancelled by the alarm", async () => {
    const { runId, stub, stamper, init } = newRun();
    await init();
    await stub.append([stamper.stamp(start)]);
    await stub.cancel();
    await runInDurableObject(stub, (_o, state) => state.storage.sql.exec("UPDATE run SET cancel_requested_at = ?", Date.now() - 60_000));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const { events } = await replay(runId);
    expectClosedByObject(events);
    expect(events).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ type: "run_end", status: "cancelled" });
  });

  it("a finished run expires after the retention period", async () => {
    const { runId, stub, stamper, init } = newRun();
    await init();
    await stub.append([start, end()].map((d) => stamper.stamp(d)));
    // Not yet: the alarm re-arms for the expiry time.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await summaryOf(stub)).not.toBeNull();
    await runInDurableObject(stub, (_o, state) => state.storage.sql.exec("UPDATE run SET ended_at = ?", Date.now() - 30 * 86_400_000));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await summaryOf(stub)).toBeNull();
    expect((await get(`/api/runs/${runId}`)).status).toBe(404);
    expect(await tablesOf(stub)).toEqual([]);
  });

  it("asking about a run id that does not exist stores nothing", async () => {
    const { runId, stub } = newRun();
    expect((await get(`/api/runs/${runId}`)).status).toBe(404);
    expect((await get(`/api/runs/${runId}/events`)).status).toBe(404);
    expect((await post(`/api/runs/${runId}/cancel`, {})).status).toBe(404);
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    expect(await tablesOf(stub)).toEqual([]);
  });

  it("the stamper numbers from 1 without gaps and redacts secrets", () => {
    const s = new EventStamper("r", ["sk-secret-123456"]);
    const a = s.stamp(start);
    const b = s.stamp(delta("key sk-secret-123456 here"));
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect((b as Extract<RunEvent, { type: "lm_delta" }>).delta).toBe("key [redacted] here");
  });
});
