// Durable runs (POST /api/runs): the run's own Durable Object drives them.
import { env } from "cloudflare:workers";
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import { chat, expectClosedByObject, expectWholeLog, get, heldReply, post, range, readSse, replay, scriptedPrograms, seqs, until } from "./helpers";

const ANSWER = chat({ reasoning: "Because.", answer: "42" });
const script = scriptedPrograms();
const cot = () => new ChainOfThought("question -> answer");
const status = (runId: string) => get(`/api/runs/${runId}`).then((r) => r.json() as Promise<{ status: string; events: number }>);

async function start(program: string, inputs: unknown = { question: "q" }) {
  const res = await post("/api/runs", { program, inputs });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { run_id: string; events_url: string };
  expect(body.events_url).toBe(`/api/runs/${body.run_id}/events`);
  return body.run_id;
}

describe("durable run", () => {
  it("completes with no client attached, and its log replays in full", async () => {
    const p = script(cot, () => ANSWER);
    const runId = await start(p.name);
    const done = await until(() => status(runId), (r) => r.status !== "running", "run end");
    expect(done.status).toBe("succeeded");
    const { events } = await replay(runId);
    expect(seqs(events)).toEqual(range(1, events.length));
    expect(events[0]).toMatchObject({ type: "run_start", program: p.name });
    expect(events.at(-1)).toMatchObject({ type: "run_end", status: "succeeded", outputs: { reasoning: "Because.", answer: "42" } });
  });

  it("follows live from the start, and a disconnect + resume loses and doubles nothing", async () => {
    const g = heldReply(ANSWER);
    const p = script(cot, g.respond, { chunkDelayMs: 1 });
    const runId = await start(p.name);
    const first = await readSse(await get(`/api/runs/${runId}/events`), (e) => e.type === "lm_start");
    const resumed = get(`/api/runs/${runId}/events`, { "Last-Event-ID": String(first.events.at(-1)!.seq) }).then((r) => readSse(r));
    g.open();
    const second = await resumed;
    await expectWholeLog(runId, first.events, second.events);
  });

  it("two subscribers get identical sequences", async () => {
    const g = heldReply(ANSWER);
    const p = script(cot, g.respond);
    const runId = await start(p.name);
    const [a, b] = await Promise.all([get(`/api/runs/${runId}/events`), get(`/api/runs/${runId}/events?after=2`)]);
    const readers = Promise.all([readSse(a), readSse(b)]);
    g.open();
    const [x, y] = await readers;
    expect(x.events.slice(2)).toEqual(y.events);
    expect(seqs(x.events)).toEqual(range(1, x.events.length));
  });

  it("cancel aborts the LM and ends the run cancelled", async () => {
    const p = script(cot, () => chat({ reasoning: "word ".repeat(400), answer: "x" }), { chunkDelayMs: 5 });
    const runId = await start(p.name);
    const stream = await get(`/api/runs/${runId}/events`);
    let cancel: Promise<Response> | undefined;
    const { events } = await readSse(stream, (e) => {
      if (e.type === "lm_delta" && !cancel) cancel = post(`/api/runs/${runId}/cancel`, {});
      return false;
    });
    expect((await cancel!).status).toBe(202);
    expect(events.at(-1)).toMatchObject({ type: "run_end", status: "cancelled" });
    expect(p.aborted[0]).toBe(true);
    expect((await status(runId)).status).toBe("cancelled");
  });

  it("an object restarted mid-run is marked interrupted by its alarm, never left running", async () => {
    const g = heldReply(ANSWER);
    const p = script(cot, g.respond);
    const runId = await start(p.name);
    await until(() => status(runId), (r) => r.events >= 6, "lm_start stored");
    // A stub fails for good once its object is reset: take a fresh one for each use.
    const stub = () => env.RUNS.get(env.RUNS.idFromName(runId));
    const alarmAt = () => runInDurableObject(stub(), (_o, state) => state.storage.getAlarm());
    // While its driver lives, the heartbeat alarm only re-arms itself.
    expect(await runDurableObjectAlarm(stub())).toBe(true);
    expect((await status(runId)).status).toBe("running");
    expect(await alarmAt()).toBeGreaterThan(Date.now());
    // A restart (redeploy, crash): the instance and its in-memory driver are gone,
    // storage stays. (evictDurableObject waits for the driver's pending LM call to drain.)
    await abortAllDurableObjects();
    expect(await runDurableObjectAlarm(stub())).toBe(true);
    const { events } = await replay(runId);
    expectClosedByObject(events);
    expect(events.at(-1)).toMatchObject({ type: "run_end", status: "interrupted", error: { type: "RunInterrupted" } });
    // From now on the alarm is the retention deadline (days away, not the heartbeat).
    expect(await alarmAt()).toBeGreaterThan(Date.now() + 86_400_000);
    g.open();
  });

  it("rejects a missing program name, an unknown program and bad inputs", async () => {
    expect((await post("/api/runs", { inputs: {} })).status).toBe(400);
    const unknown = await post("/api/runs", { program: "nope", inputs: {} });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "program_not_found" } });
    const bad = await post("/api/runs", { program: "qa", inputs: { question: 3 } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "invalid_inputs", details: { issues: [{ field: "question" }] } } });
  });
});
