// Export a run (json and jsonl) and import it back as a new, read-only run:
// the same events under a new id, viewable and replayable like any run; bad
// files answer 400 naming what is wrong, oversized ones 413.
import { describe, expect, it } from "vitest";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import type { RunEvent } from "../../src/dspy/events";
import { MAX_IMPORT_BYTES } from "../../src/server/run-file";
import type { RunSummary } from "../../src/server/run-types";
import { chat, get, post, replay, scriptedPrograms } from "./helpers";

const script = scriptedPrograms();

async function finishedRun(): Promise<{ runId: string; name: string }> {
  const s = script(() => new ChainOfThought("question -> answer"), () => chat({ reasoning: "because", answer: "42" }));
  const res = await post(`/${s.name}`, { question: "meaning?" });
  expect(res.status).toBe(200);
  return { runId: ((await res.json()) as { run_id: string }).run_id, name: s.name };
}

/** Body text without workerd's warning about reading a non-text content type as text. */
const textOf = async (res: Response) => new TextDecoder().decode(await res.arrayBuffer());

const importFile = (body: string, contentType = "application/json") =>
  post("/api/runs/import", body, { "content-type": contentType });

async function expect400(res: Response, message: RegExp) {
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("invalid_run_file");
  expect(body.error.message).toMatch(message);
  return body.error;
}

describe("run export", () => {
  it("json: the summary and every event, as a download", async () => {
    const { runId, name } = await finishedRun();
    const res = await get(`/api/runs/${runId}/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${name}-${runId}.json"`);
    const doc = (await res.json()) as { format: string; version: number; run: RunSummary; events: RunEvent[] };
    expect(doc).toMatchObject({ format: "dspy-edge.run", version: 1, run: { run_id: runId, program: name, status: "succeeded" } });
    expect(doc.events).toEqual((await replay(runId)).events);
    expect(doc.run).toEqual(await (await get(`/api/runs/${runId}`)).json());
  });

  it("jsonl: the header line, then one event per line", async () => {
    const { runId } = await finishedRun();
    const res = await get(`/api/runs/${runId}/export?format=jsonl`);
    expect(res.headers.get("content-type")).toMatch(/application\/x-ndjson/);
    const lines = (await textOf(res)).trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ format: "dspy-edge.run", run: { run_id: runId } });
    expect(lines[0]).not.toHaveProperty("events");
    expect(lines.slice(1)).toEqual((await replay(runId)).events);
  });

  it("400 for an unknown format, 404 for an unknown run", async () => {
    const { runId } = await finishedRun();
    expect((await get(`/api/runs/${runId}/export?format=xml`)).status).toBe(400);
    expect((await get(`/api/runs/${"0".repeat(32)}/export`)).status).toBe(404);
  });
});

describe("run import", () => {
  for (const format of ["json", "jsonl"] as const) {
    it(`round-trips a ${format} export into a new read-only run`, async () => {
      const { runId } = await finishedRun();
      const file = await textOf(await get(`/api/runs/${runId}/export?format=${format}`));
      const res = await importFile(file, format === "json" ? "application/json" : "application/x-ndjson");
      expect(res.status).toBe(201);
      const out = (await res.json()) as { run_id: string; imported_from: string; run_url: string };
      expect(out.imported_from).toBe(runId);
      expect(out.run_id).not.toBe(runId);
      expect(out.run_url).toBe(`/runs/${out.run_id}`);
      const original = (await replay(runId)).events;
      const imported = (await replay(out.run_id)).events;
      expect(imported).toEqual(original.map((e) => ({ ...e, run_id: out.run_id })));
      const summary = (await (await get(`/api/runs/${out.run_id}`)).json()) as RunSummary;
      const before = (await (await get(`/api/runs/${runId}`)).json()) as RunSummary;
      expect(summary).toEqual({ ...before, run_id: out.run_id, mode: "imported", ended_at: before.ended_at, created_at: before.created_at });
      // Read-only: a finished run cannot be cancelled or appended to.
      const cancel = await post(`/api/runs/${out.run_id}/cancel`, {});
      expect(((await cancel.json()) as { status: string }).status).toBe("succeeded");
      // The permalink serves the page; exporting the import gives the same file, under its new id.
      expect((await get(`/runs/${out.run_id}`)).status).toBe(200);
      const again = (await (await get(`/api/runs/${out.run_id}/export`)).json()) as { events: RunEvent[] };
      expect(again.events).toEqual(imported);
    });
  }

  it("400s that say what is wrong", async () => {
    const { runId } = await finishedRun();
    const doc = (await (await get(`/api/runs/${runId}/export`)).json()) as { run: RunSummary; events: RunEvent[] } & Record<string, unknown>;
    const send = (d: unknown) => importFile(JSON.stringify(d));
    await expect400(await importFile(""), /empty/);
    await expect400(await importFile("{nope"), /not valid JSON/);
    await expect400(await send([1, 2]), /JSON object/);
    await expect400(await send({ ...doc, events: undefined }), /no `events` array/);
    await expect400(await send({ ...doc, format: "other" }), /header/);
    const err = await expect400(await send({ ...doc, run: { ...doc.run, status: "weird" } }), /header/);
    expect(JSON.stringify(err)).toContain("run.status");
    await expect400(await send({ ...doc, events: [] }), /no events/);
    const badEvent = structuredClone(doc.events);
    (badEvent[2] as Record<string, unknown>).call_id = 7;
    const e = await expect400(await send({ ...doc, events: badEvent }), /events\[2\] is not a valid event/);
    expect(JSON.stringify(e)).toContain("call_id");
    await expect400(await send({ ...doc, events: [doc.events[0], ...doc.events.slice(2)] }), /seq 3; the log must run 1, 2, 3/);
    await expect400(await send({ ...doc, events: doc.events.slice(0, -1) }), /Only a finished run/);
    await expect400(await send({ ...doc, events: doc.events.map((ev, i) => (i === 1 ? { ...ev, run_id: "x".repeat(32) } : ev)) }), /belongs to run/);
    const jsonl = await textOf(await get(`/api/runs/${runId}/export?format=jsonl`));
    await expect400(await importFile(jsonl.replace(/\n\{"type":"module_start"/, '\n{"type":"module_start",,'), "application/x-ndjson"), /Line 3 is not valid JSON/);
  });

  it("413 for a file over the limit", async () => {
    const res = await importFile("x".repeat(MAX_IMPORT_BYTES + 1));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });
});
