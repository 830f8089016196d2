// Attached runs (POST /{program}/stream) and sync runs (POST /{program}):
// framing, order, the stored log, resume, disconnects, failures, cancel.
import { env } from "cloudflare:workers";
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import { Predict } from "../../src/dspy/predict";
import type { RunEvent } from "../../src/dspy/events";
import { chat, expectClosedByObject, expectWholeLog, get, heldReply, post, range, readSse, replay, scriptedPrograms, seqs, summaryOf, until } from "./helpers";

const ANSWER = chat({ reasoning: "Seventeen times twenty-three is 391.", answer: "391" });
const script = scriptedPrograms();

const cot = () => new ChainOfThought("question -> answer");

describe("attached run", () => {
  it("streams SSE frames at once with id = seq from 1, event = type, one JSON data line", async () => {
    const p = script(cot, () => ANSWER);
    const res = await post(`/${p.name}/stream`, { question: "17*23?" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("cache-control")).toBe("no-cache, no-transform");
    const runId = res.headers.get("x-run-id")!;
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    const { frames, events, retry } = await readSse(res);
    expect(retry).toBe(2000);
    expect(seqs(events)).toEqual(range(1, events.length));
    for (const [i, f] of frames.entries()) {
      expect(f.id).toBe(String(events[i].seq));
      expect(f.event).toBe(events[i].type);
      expect(events[i].run_id).toBe(runId);
    }
    const types = events.map((e) => e.type).filter((t) => t !== "lm_delta");
    expect(types).toEqual([
      "run_start", "module_start", "module_start", "adapter_format_start", "adapter_format_end", "lm_start",
      "lm_end", "adapter_parse_start", "adapter_parse_end", "module_end", "module_end", "run_end",
    ]);
    const deltas = events.filter((e) => e.type === "lm_delta");
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.map((d) => (d.type === "lm_delta" ? d.delta : "")).join("")).toBe(ANSWER);
    const start = events[0];
    expect(start).toMatchObject({ type: "run_start", program: p.name, module: "ChainOfThought", inputs: { question: "17*23?" } });
    // The root module is named after the program, so paths read `<program>.predict`.
    const modules = events.filter((e) => e.type === "module_start").map((e) => (e.type === "module_start" ? [e.name, e.module] : []));
    expect(modules).toEqual([[p.name, "ChainOfThought"], [`${p.name}.predict`, "Predict"]]);
    const end = events.at(-1)!;
    expect(end).toMatchObject({ type: "run_end", status: "succeeded", outputs: { reasoning: "Seventeen times twenty-three is 391.", answer: "391" }, error: null });
    if (end.type !== "run_end") throw new Error("no run_end");
    expect(end.usage["scripted-model"].completion_tokens).toBeGreaterThan(0);
    expect(typeof end.duration_ms).toBe("number");
  });

  it("stores exactly what it streamed, and replays it byte for byte", async () => {
    const p = script(cot, () => ANSWER);
    const res = await post(`/${p.name}/stream`, { question: "q" });
    const live = await readSse(res);
    const stored = await replay(res.headers.get("x-run-id")!);
    expect(stored.frames).toEqual(live.frames);
  });

  it("sync POST /{program} answers {run_id, ...outputs} equal to the stream's run_end outputs", async () => {
    const p = script(cot, () => ANSWER);
    const sync = await post(`/${p.name}`, { question: "17*23?" });
    expect(sync.status).toBe(200);
    const body = (await sync.json()) as Record<string, unknown>;
    const streamed = await readSse(await post(`/${p.name}/stream`, { question: "17*23?" }));
    const end = streamed.events.at(-1)!;
    if (end.type !== "run_end") throw new Error("no run_end");
    const { run_id, ...outputs } = body;
    expect(outputs).toEqual(end.outputs);
    // The sync run has its own log too.
    const log = await replay(run_id as string);
    expect(log.events.at(-1)).toMatchObject({ type: "run_end", status: "succeeded", outputs });
  });

  it("resumes from every id of a finished run with exactly the rest (after= and Last-Event-ID)", async () => {
    const p = script(cot, () => ANSWER);
    const res = await post(`/${p.name}/stream`, { question: "q" });
    const runId = res.headers.get("x-run-id")!;
    const all = (await readSse(res)).events;
    const n = all.length;
    for (let k = 0; k <= n; k++) {
      const rest = await replay(runId, k);
      expect(seqs(rest.events), `after=${k}`).toEqual(range(k + 1, n));
      expect(rest.events).toEqual(all.slice(k));
    }
    const viaHeader = await readSse(await get(`/api/runs/${runId}/events`, { "Last-Event-ID": "5" }));
    expect(seqs(viaHeader.events)).toEqual(range(6, n));
  });

  it("a client that disconnects mid-run can resume with Last-Event-ID: union is the full log, nothing twice", async () => {
    const g = heldReply(ANSWER);
    const p = script(cot, g.respond);
    const res = await post(`/${p.name}/stream`, { question: "q" });
    const runId = res.headers.get("x-run-id")!;
    // Read until the LM call starts, then walk away (the reader is cancelled).
    const first = await readSse(res, (e) => e.type === "lm_start");
    const lastSeen = first.events.at(-1)!.seq;
    // The run keeps going without the client; resume while it is still live.
    const resumed = get(`/api/runs/${runId}/events`, { "Last-Event-ID": String(lastSeen) });
    const reading = resumed.then((r) => readSse(r));
    g.open();
    const second = await reading;
    await expectWholeLog(runId, first.events, second.events);
  });

  it("a resume landing while events are appended misses nothing: every Last-Event-ID mid-run", async () => {
    const p = script(cot, () => ANSWER, { chunkDelayMs: 2 });
    const res = await post(`/${p.name}/stream`, { question: "q" });
    const runId = res.headers.get("x-run-id")!;
    // Open resumes at each event as it arrives, while the run is still streaming.
    const resumes: Promise<{ after: number; events: RunEvent[] }>[] = [];
    const live = await readSse(res, (e) => {
      if (e.seq % 3 === 0 && e.type !== "run_end") {
        const after = e.seq;
        resumes.push(get(`/api/runs/${runId}/events?after=${after}`).then(async (r) => ({ after, events: (await readSse(r)).events })));
      }
      return false;
    });
    expect(resumes.length).toBeGreaterThan(3);
    for (const r of await Promise.all(resumes)) {
      expect(r.events, `after=${r.after}`).toEqual(live.events.slice(r.after));
    }
  });

  it("two subscribers of a live run see identical sequences", async () => {
    const g = heldReply(ANSWER);
    const p = script(cot, g.respond);
    const res = await post(`/${p.name}/stream`, { question: "q" });
    const runId = res.headers.get("x-run-id")!;
    const attached = readSse(res);
    await until(() => get(`/api/runs/${runId}`).then((r) => r.json() as Promise<{ events: number }>), (r) => r.events >= 6, "lm_start stored");
    const [a, b] = await Promise.all([get(`/api/runs/${runId}/events`), get(`/api/runs/${runId}/events`)]);
    const readers = Promise.all([readSse(a), readSse(b)]);
    g.open();
    const [x, y] = await readers;
    expect(x.frames).toEqual(y.frames);
    expect(x.events).toEqual((await attached).events);
  });

  it("a failing LM ends the stream with errors in the events and run_end failed", async () => {
    const p = script(cot, () => ({ status: 500, message: "upstream exploded" }));
    const { events } = await readSse(await post(`/${p.name}/stream`, { question: "q" }));
    const lmEnd = events.find((e) => e.type === "lm_end");
    expect(lmEnd).toMatchObject({ error: { type: "LMError" } });
    expect(events.filter((e) => e.type === "module_end").every((e) => e.type === "module_end" && e.error !== null)).toBe(true);
    const end = events.at(-1)!;
    expect(end).toMatchObject({ type: "run_end", status: "failed", outputs: null, error: { type: "LMError" } });
    expect(seqs(events)).toEqual(range(1, events.length));
  });

  it("cancel aborts the LM request and ends the run cancelled", async () => {
    const long = chat({ reasoning: "word ".repeat(400), answer: "x" });
    const p = script(cot, () => long, { chunkDelayMs: 5 });
    const res = await post(`/${p.name}/stream`, { question: "q" });
    const runId = res.headers.get("x-run-id")!;
    let cancelled: Promise<Response> | undefined;
    const { events } = await readSse(res, (e) => {
      if (e.type === "lm_delta" && !cancelled) cancelled = post(`/api/runs/${runId}/cancel`, {});
      return false;
    });
    expect((await cancelled!).status).toBe(202);
    const end = events.at(-1)!;
    expect(end).toMatchObject({ type: "run_end", status: "cancelled", error: { type: "RunCancelled" } });
    expect(p.aborted[0]).toBe(true);
    expect(events.filter((e) => e.type === "lm_delta").length).toBeLessThan(400);
    const run = (await (await get(`/api/runs/${runId}`)).json()) as { status: string };
    expect(run.status).toBe("cancelled");
    // Cancelling a finished run changes nothing.
    const again = await post(`/api/runs/${runId}/cancel`, {});
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: "cancelled" });
  });

  it("a run whose Worker driver died is marked interrupted by the object's alarm", async () => {
    const g = heldReply(ANSWER);
    const p = script(cot, g.respond);
    const res = await post(`/${p.name}/stream`, { question: "q" });
    const runId = res.headers.get("x-run-id")!;
    const seen = await readSse(res, (e) => e.type === "lm_start");
    const stub = env.RUNS.get(env.RUNS.idFromName(runId));
    await until(() => summaryOf(stub), (r) => (r?.events ?? 0) >= seen.events.length, "events stored");
    // The alarm while the driver is alive only re-arms.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await summaryOf(stub))!.status).toBe("running");
    // Simulate the platform cutting the Worker: no contact for longer than the driver timeout.
    await runInDurableObject(stub, (_o, state) => {
      state.storage.sql.exec("UPDATE run SET last_seen = ?", Date.now() - 10 * 60_000);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const log = await replay(runId);
    expectClosedByObject(log.events);
    expect(log.events.at(-1)).toMatchObject({ type: "run_end", status: "interrupted", error: { type: "RunInterrupted" } });
    expect((await summaryOf(stub))!.status).toBe("interrupted");
    // The stale driver wakes up: its events are refused and the log stays closed.
    g.open();
    await until(() => Promise.resolve(p.requests.length), (n) => n >= 1, "lm called");
    const after = await replay(runId);
    expect(after.events).toEqual(log.events);
  });
});

describe("object restarts", () => {
  it("an attached run survives its object being reset mid-run: the log continues, complete", async () => {
    const g = heldReply(ANSWER);
    const p = script(cot, g.respond);
    const res = await post(`/${p.name}/stream`, { question: "q" });
    const runId = res.headers.get("x-run-id")!;
    const reading = readSse(res);
    const stub = env.RUNS.get(env.RUNS.idFromName(runId));
    await until(() => summaryOf(stub), (r) => (r?.events ?? 0) >= 6, "lm_start stored");
    // evictDurableObject would wait for the open control stream; a reset cuts it like a redeploy.
    await abortAllDurableObjects();
    g.open();
    const live = await reading;
    expect(live.events.at(-1)).toMatchObject({ type: "run_end", status: "succeeded" });
    const log = await replay(runId);
    expect(log.events).toEqual(live.events);
    expect(seqs(log.events)).toEqual(range(1, log.events.length));
  });
});

describe("predict program", () => {
  it("runs sync through Predict and records the calls", async () => {
    const p = script(() => new Predict("question -> answer"), () => chat({ answer: "Paris" }));
    const res = await post(`/${p.name}`, { question: "Capital of France?" });
    expect(await res.json()).toMatchObject({ answer: "Paris" });
    expect(p.requests[0].body.messages[1].content).toContain("Capital of France?");
  });
});
