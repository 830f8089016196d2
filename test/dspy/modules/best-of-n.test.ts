// BestOfN and Refine with a scripted LM behind the real openai SDK: attempts
// at temperature 1.0 with distinct rollout ids, reward and threshold, early
// stop, the failure budget, and Refine's advice reaching the next attempt as
// `hint_`. Each attempt is its own sub-tree in the events.
import { describe, expect, it } from "vitest";
import { BestOfN } from "../../../src/dspy/best-of-n";
import { ChainOfThought } from "../../../src/dspy/chain-of-thought";
import { context } from "../../../src/dspy/context";
import { LM } from "../../../src/dspy/lm";
import { LMCache } from "../../../src/dspy/lm-cache";
import type { Module } from "../../../src/dspy/module";
import type { Prediction } from "../../../src/dspy/prediction";
import { Refine } from "../../../src/dspy/refine";
import { fakeOpenAIFetch, type FakeReply } from "../../../src/dspy/utils/fake-openai";
import { ofType, recordEvents, shape } from "../../helpers/events";

function chatAnswer(fields: Record<string, unknown>): string {
  const blocks = Object.entries(fields).map(([k, v]) => `[[ ## ${k} ## ]]\n${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `${blocks.join("\n\n")}\n\n[[ ## completed ## ]]`;
}
const answer = (text: string) => chatAnswer({ reasoning: "Thinking.", answer: text });
const oneWord = (_inputs: unknown, pred: Prediction) => (String(pred.get("answer")).split(" ").length === 1 ? 1 : 0);

function setup(replies: FakeReply[], cache?: LMCache) {
  const queue = [...replies];
  const fetch = fakeOpenAIFetch(() => queue.shift() ?? "(no more scripted answers)", { chunkDelayMs: 0 });
  const lm = new LM("gpt-4o-mini", { apiKey: "sk-test", baseURL: "https://llm.test/v1", fetch, cache, temperature: 0 });
  const { events, recorder } = recordEvents();
  const run = (program: Module, question = "Capital of Belgium?") =>
    context({ lm, callbacks: [recorder] }, () => program.call({ question }));
  return { fetch, events, run };
}

/** A ChainOfThought call's events, at `depth`. */
function cotShape(depth: number) {
  return [
    "module_start", "module_start", "adapter_format_start", "adapter_format_end", "lm_start", "lm_end",
    "adapter_parse_start", "adapter_parse_end", "module_end", "module_end",
  ].map((type, i) => ({ type, depth: depth + (i === 0 || i === 9 ? 0 : i === 1 || i === 8 ? 1 : 2) }));
}

describe("BestOfN", () => {
  it("stops at the first attempt reaching the threshold; attempts run at temperature 1.0", async () => {
    const { fetch, events, run } = setup([answer("It is Brussels."), answer("Brussels"), answer("never asked")]);
    const best = new BestOfN(new ChainOfThought("question -> answer"), { n: 3, rewardFn: oneWord, threshold: 1 });
    const result = await run(best);
    expect(result.get("answer")).toBe("Brussels");
    expect(fetch.requests.map((r) => r.body.temperature)).toEqual([1, 1]);
    expect(shape(events)).toEqual([
      { type: "module_start", depth: 0 },
      ...cotShape(1),
      ...cotShape(1),
      { type: "module_end", depth: 0 },
    ]);
    expect(ofType(events, "module_start").map((e) => e.name)).toEqual([
      "BestOfN", "BestOfN.module", "BestOfN.module.predict", "BestOfN.module", "BestOfN.module.predict",
    ]);
    expect(ofType(events, "module_end").at(-1)!.outputs).toEqual({ reasoning: "Thinking.", answer: "Brussels" });
  });

  it("keeps the highest reward when none reaches the threshold", async () => {
    const { fetch, run } = setup([answer("aaa"), answer("a"), answer("aa")]);
    const shortest = (_: unknown, pred: Prediction) => -String(pred.get("answer")).length;
    const result = await run(new BestOfN(new ChainOfThought("question -> answer"), { n: 3, rewardFn: shortest, threshold: 0 }));
    expect(result.get("answer")).toBe("a");
    expect(fetch.requests).toHaveLength(3);
  });

  it("gives each attempt its own rollout id, which is part of the LM cache key", async () => {
    const cache = new LMCache();
    const { fetch, events, run } = setup([answer("one two"), answer("three four"), answer("five six")], cache);
    const program = () => new BestOfN(new ChainOfThought("question -> answer"), { n: 3, rewardFn: oneWord, threshold: 1 });
    // Same prompt, same temperature: only the rollout id tells the attempts apart.
    expect((await run(program())).get("answer")).toBe("one two");
    expect(fetch.requests).toHaveLength(3);
    // Running again replays rollouts 0, 1, 2 from the cache.
    expect((await run(program())).get("answer")).toBe("one two");
    expect(fetch.requests).toHaveLength(3);
    expect(ofType(events, "lm_end").map((e) => e.cached)).toEqual([false, false, false, true, true, true]);
  });

  it("survives failed attempts within the budget, and raises when all fail", async () => {
    // Attempt 1 fails in all three formats (ChatAdapter, structured JSON, JSON mode); attempt 2 answers.
    const { events, run } = setup(["not the format", "{}", "{}", answer("Brussels")]);
    const best = new BestOfN(new ChainOfThought("question -> answer"), { n: 3, rewardFn: oneWord, threshold: 1 });
    expect((await run(best)).get("answer")).toBe("Brussels");
    const attempts = ofType(events, "module_end").filter((e) => e.name === "BestOfN.module");
    expect(attempts.map((e) => e.error?.type ?? null)).toEqual(["AdapterParseError", null]);

    const failing = setup(Array(9).fill("not the format"));
    await expect(
      failing.run(new BestOfN(new ChainOfThought("question -> answer"), { n: 3, rewardFn: oneWord, threshold: 1 })),
    ).rejects.toThrow(/failed to parse/);
  });
});

describe("Refine", () => {
  const feedback = chatAnswer({
    discussion: "The module answered with a sentence.",
    advice: { predict: "Answer with the city name only." },
  });

  it("asks for feedback after a miss and passes the advice to the next attempt as hint_", async () => {
    const { fetch, events, run } = setup([answer("It is Brussels."), feedback, answer("Brussels")]);
    const refine = new Refine(new ChainOfThought("question -> answer"), { n: 3, rewardFn: oneWord, threshold: 1 });
    const result = await run(refine);
    expect(result.get("answer")).toBe("Brussels");

    expect(shape(events)).toEqual([
      { type: "module_start", depth: 0 },
      ...cotShape(1),
      ...cotShape(0).slice(1, 9), // the feedback Predict: a module with format, lm, parse
      ...cotShape(1),
      { type: "module_end", depth: 0 },
    ]);
    expect(ofType(events, "module_start").map((e) => `${e.name}:${e.module}`)).toEqual([
      "Refine:Refine",
      "Refine.module:ChainOfThought",
      "Refine.module.predict:Predict",
      "Refine.feedback:Predict",
      "Refine.module:ChainOfThought",
      "Refine.module.predict:Predict",
    ]);

    const [first, advise, second] = fetch.requests.map((r) => r.body.messages);
    expect(first[0].content).not.toContain("hint_");
    expect(advise[0].content).toContain("In the discussion, assign blame to each module");
    const adviseUser = advise.at(-1)!.content;
    expect(adviseUser).toContain('[[ ## program_inputs ## ]]\n{\n  "question": "Capital of Belgium?"\n}');
    expect(adviseUser).toContain('"module_name": "predict"');
    expect(adviseUser).toContain('[[ ## program_outputs ## ]]\n{\n  "reasoning": "Thinking.",\n  "answer": "It is Brussels."\n}');
    expect(adviseUser).toContain("[[ ## modules_defn ## ]]\n" + "-".repeat(80) + "\nModule predict\n\tInput Fields:\n\t\t1. `question` (str):");
    // As DSPy: every non-string input is orjson text (indent 2), so the list shows indented.
    expect(adviseUser).toContain('[[ ## target_threshold ## ]]\n1.0\n\n[[ ## reward_value ## ]]\n0.0\n\n[[ ## module_names ## ]]\n[\n  "predict"\n]');
    expect(second[0].content).toContain("`hint_` (str): A hint to the module from an earlier run");
    expect(second.at(-1)!.content).toContain("[[ ## hint_ ## ]]\nAnswer with the city name only.\n\n");
    // Events show the hinted request too, under the same adapter name.
    expect(ofType(events, "adapter_format_start").map((e) => e.adapter)).toEqual(["ChatAdapter", "ChatAdapter", "ChatAdapter"]);
    expect(ofType(events, "adapter_format_start")[2].inputs.hint_).toBe("Answer with the city name only.");
  });

  it("asks for no feedback after a hit or after the last attempt", async () => {
    const hit = setup([answer("Brussels")]);
    await hit.run(new Refine(new ChainOfThought("question -> answer"), { n: 3, rewardFn: oneWord, threshold: 1 }));
    expect(hit.fetch.requests).toHaveLength(1);

    const misses = setup([answer("It is Brussels."), feedback, answer("Still a sentence.")]);
    const result = await misses.run(new Refine(new ChainOfThought("question -> answer"), { n: 2, rewardFn: oneWord, threshold: 1 }));
    expect(misses.fetch.requests).toHaveLength(3);
    expect(result.get("answer")).toBe("It is Brussels.");
  });
});
