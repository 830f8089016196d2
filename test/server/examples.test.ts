// Every program's example inputs ("Try an example" in the UI) answered correctly
// by the offline demo LM: a first visit sees right answers, not placeholders.
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/dspy/events";
import { listPrograms } from "../../src/programs/registry";
import { fetchWithEnv, parseSse } from "./helpers";

const fast = { DEMO_LM_DELAY_MS: "0" };

/** What each example's answer must say (the demo LM computes or looks it up). */
const EXPECTED: Record<string, [question: string, answer: RegExp][]> = {
  qa: [["Who was Ada Lovelace?", /mathematician/], ["What is the capital of France?", /Paris/]],
  reason: [["How tall is Mount Everest?", /8,849 m/], ["What is 17 * 23?", /^391$/]],
  classify: [["I love this phone, the battery is great.", /^positive$/], ["The parcel arrived broken and I want a refund.", /^negative$/]],
  agent: [["Convert 10 km to miles", /6\.21/], ["How far away is the Moon?", /384,400 km/]],
  math: [["What is 15% of 240?", /^36$/], ["What is 2^10 + 5?", /^1029$/]],
  stats: [["[3,1.5,4,1.5,5]", /^3$/], ["[2,9,4,7]", /^55$/]],
  best: [["How long is a marathon?", /42\.195 km/], ["When did humans first land on the Moon?", /1969/]],
  compare: [["What is 6 * 7?", /^42$/], ["How long is the Nile?", /6,650 km/]],
  optimized: [["What is the capital of France?", /Paris/], ["How tall is Mount Everest?", /8,849 m/]],
};

describe("example inputs", () => {
  it("every program has examples, listed by GET /api/programs", async () => {
    const { programs } = (await (await fetchWithEnv(fast, "/api/programs")).json()) as { programs: { name: string; examples: Record<string, unknown>[] }[] };
    for (const p of programs.filter((p) => p.name in EXPECTED)) {
      const first = (e: Record<string, unknown>) => { const v = Object.values(e)[0]; return typeof v === "string" ? v : JSON.stringify(v); };
      expect(p.examples.map(first)).toEqual(EXPECTED[p.name].map(([q]) => q));
    }
    expect(listPrograms().filter((p) => p.name in EXPECTED).every((p) => p.examples.length >= 2)).toBe(true);
  });

  for (const program of Object.keys(EXPECTED)) {
    it(`${program}: the demo LM answers its examples correctly`, async () => {
      const examples = listPrograms().find((p) => p.name === program)!.examples;
      for (const [i, inputs] of examples.entries()) {
        const res = await fetchWithEnv(fast, `/${program}/stream`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(inputs) });
        const end = parseSse(await res.text()).events.at(-1) as Extract<RunEvent, { type: "run_end" }>;
        expect(end.status, JSON.stringify(end.error)).toBe("succeeded");
        const field = program === "classify" ? "sentiment" : program === "stats" ? "result" : "answer";
        expect(String(end.outputs![field])).toMatch(EXPECTED[program][i][1]);
      }
    });
  }
});
