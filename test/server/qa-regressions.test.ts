// Defects found by using the product as a user would (curl, EventSource, the demo LM),
// each pinned so it stays fixed.
import { describe, expect, it } from "vitest";
import { context } from "../../src/dspy/context";
import { LMError } from "../../src/dspy/errors";
import { ChatAdapter } from "../../src/dspy/adapters/chat";
import { Signature } from "../../src/dspy/signature";
import { conversion } from "../../src/programs/demo/knowledge";
import { demoResponder } from "../../src/programs/demo/responder";
import { demoLM } from "../../src/programs/lm-config";
import { fetchWithEnv, get, parseSse, post, readSse } from "./helpers";

const fast = { DEMO_LM_DELAY_MS: "0" };

async function demoRun(program: string, inputs: Record<string, unknown>) {
  const res = await fetchWithEnv(fast, `/${program}/stream`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(inputs) });
  expect(res.status).toBe(200);
  const events = parseSse(await res.text()).events;
  const end = events.at(-1)!;
  if (end.type !== "run_end") throw new Error(`last event is ${end.type}`);
  expect(end.status).toBe("succeeded");
  return { events, outputs: end.outputs! };
}

describe("QA regressions", () => {
  it("a demo LM error names the model, not '[redacted]/…' (its placeholder key was a substring of the model name)", async () => {
    const lm = demoLM({ LM_MODEL: "gpt-4o-mini" });
    const aborted = AbortSignal.abort(new DOMException("cancelled", "AbortError"));
    const error = await context({ signal: aborted }, () => lm.call([{ role: "user", content: "hi" }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LMError);
    expect((error as LMError).message).toContain("demo/gpt-4o-mini");
    expect((error as LMError).message).not.toContain("[redacted]");
  });

  it("a finished run resumed after its last event answers 204, so a plain EventSource stops reconnecting", async () => {
    const res = await post("/qa/stream", { question: "What is the capital of France?" });
    const runId = res.headers.get("x-run-id")!;
    const all = (await readSse(res)).events;
    const last = all.at(-1)!.seq;
    expect(all.at(-1)!.type).toBe("run_end");
    for (const req of [get(`/api/runs/${runId}/events?after=${last}`), get(`/api/runs/${runId}/events`, { "Last-Event-ID": String(last) }), get(`/api/runs/${runId}/events?after=${last + 50}`)]) {
      const r = await req;
      expect(r.status).toBe(204);
      expect(await r.text()).toBe("");
    }
    // One event short still replays it, as an SSE stream.
    const rest = await get(`/api/runs/${runId}/events?after=${last - 1}`);
    expect(rest.status).toBe(200);
    expect((await readSse(rest)).events.map((e) => e.type)).toEqual(["run_end"]);
    // An empty Last-Event-ID header is no resume point: ?after= still decides.
    const blankHeader = await get(`/api/runs/${runId}/events?after=${last - 1}`, { "Last-Event-ID": "" });
    expect((await readSse(blankHeader)).events.map((e) => e.seq)).toEqual([last]);
  });

  it("demo classify: a confidence stays in 0..1 even when the text mentions a known fact's number", async () => {
    // "great" used to pull in the Great Wall of China's 21,196 km as the confidence.
    const { outputs } = await demoRun("classify", { text: "I love this phone, the battery is great" });
    expect(outputs.sentiment).toBe("positive");
    expect(outputs.confidence).toBeGreaterThanOrEqual(0);
    expect(outputs.confidence).toBeLessThanOrEqual(1);
  });

  it("demo agent: an encyclopedia miss is reported as such, not answered with the list of known topics", async () => {
    const { events, outputs } = await demoRun("agent", { question: "Who painted the Zorblax mural?" });
    const tool = events.find((e) => e.type === "tool_end" && e.name === "search_encyclopedia");
    expect(tool && tool.type === "tool_end" && String(tool.result)).toMatch(/^No entry found/);
    expect(String(outputs.answer)).toMatch(/could not find/i);
    expect(String(outputs.answer)).not.toContain("Known topics");
  });

  it("demo agent: a thought quotes the tool's whole first sentence, not up to 'e.g.'", async () => {
    const { events } = await demoRun("agent", { question: "Convert 3 miles to km" });
    const step = events.find((e) => e.type === "adapter_parse_end" && e.outputs && "next_thought" in e.outputs);
    const thought = step && step.type === "adapter_parse_end" ? String(step.outputs!.next_thought) : "";
    expect(thought).toBe("To answer this I should use convert_units: convert a quantity between units of length, mass, volume, time, speed or temperature.");
  });

  it("demo qa: an empty question gets a sentence, not 'about .' (the server now refuses a blank one first)", async () => {
    const res = await fetchWithEnv(fast, "/qa", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "" }) });
    expect(res.status).toBe(400);
    // The demo LM itself still answers a blank question (a program with an Optional input can send one).
    const messages = new ChatAdapter().format(new Signature("question -> answer"), [], { question: "" });
    const text = demoResponder({ url: "x", headers: {}, body: { model: "demo", messages } });
    expect(text).toBe("[[ ## answer ## ]]\n(demo) A short answer.\n\n[[ ## completed ## ]]");
  });

  it("demo agent: 'How many X are in N Y?' is a unit conversion", async () => {
    expect(conversion("How many meters are in 3 miles?")).toEqual({ value: 3, from: "miles", to: "meters" });
    expect(conversion("How many seconds in 2 days?")).toEqual({ value: 2, from: "days", to: "seconds" });
    expect(conversion("How many apples are in 3 baskets?")).toBeNull();
    const { events, outputs } = await demoRun("agent", { question: "How many meters are in 3 miles?" });
    expect(events.find((e) => e.type === "tool_start")).toMatchObject({ tool: "convert_units", args: { value: 3, from_unit: "miles", to_unit: "meters" } });
    expect(String(outputs.answer)).toContain("4828.032");
  });
});
