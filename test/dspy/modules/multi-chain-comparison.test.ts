// MultiChainComparison: M earlier attempts rendered as DSPy renders them, a
// leading `rationale` output, temperature 0.7, one Predict sub-tree.
import { describe, expect, it } from "vitest";
import { ChainOfThought } from "../../../src/dspy/chain-of-thought";
import { context } from "../../../src/dspy/context";
import { LM } from "../../../src/dspy/lm";
import { MultiChainComparison } from "../../../src/dspy/multi-chain-comparison";
import { fakeOpenAIFetch } from "../../../src/dspy/utils/fake-openai";
import { ofType, recordEvents, shape } from "../../helpers/events";

function chatAnswer(fields: Record<string, unknown>): string {
  const blocks = Object.entries(fields).map(([k, v]) => `[[ ## ${k} ## ]]\n${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `${blocks.join("\n\n")}\n\n[[ ## completed ## ]]`;
}

describe("MultiChainComparison", () => {
  it("compares the attempts of an n=3 ChainOfThought and answers with a rationale", async () => {
    const replies = [
      // One request with n=3: three choices.
      {
        texts: [
          chatAnswer({ reasoning: "It is 6 * 7.\nSo 42.", answer: "42" }),
          chatAnswer({ reasoning: "Add 40 and 2.", answer: "42" }),
          chatAnswer({ reasoning: "Guess.", answer: "41\nmaybe" }),
        ],
      },
      chatAnswer({ rationale: "Two attempts agree on 42.", answer: "42" }),
    ];
    const fetch = fakeOpenAIFetch(() => replies.shift()!, { chunkDelayMs: 0 });
    const lm = new LM("gpt-4o-mini", { apiKey: "sk-test", baseURL: "https://llm.test/v1", fetch });
    const cot = new ChainOfThought("question -> answer", { n: 3 });
    const mcc = new MultiChainComparison("question -> answer");
    const { events, recorder } = recordEvents();

    const result = await context({ lm, callbacks: [recorder] }, async () => {
      const first = await cot.call({ question: "What is 6 * 7?" });
      expect(first.completions).toHaveLength(3);
      return mcc.call({ completions: first.completions, question: "What is 6 * 7?" });
    });

    expect(result.toJSON()).toEqual({ rationale: "Two attempts agree on 42.", answer: "42" });
    const request = fetch.requests[1].body;
    expect(request.temperature).toBe(0.7);
    const [system, user] = request.messages;
    expect(system.content).toContain(
      "Your input fields are:\n1. `question` (str): \n2. `reasoning_attempt_1` (str): ${reasoning attempt}\n" +
        "3. `reasoning_attempt_2` (str): ${reasoning attempt}\n4. `reasoning_attempt_3` (str): ${reasoning attempt}\n" +
        "Your output fields are:\n1. `rationale` (str): ${corrected reasoning}\n2. `answer` (str):",
    );
    expect(user.content).toBe(
      "[[ ## question ## ]]\nWhat is 6 * 7?\n\n" +
        "[[ ## reasoning_attempt_1 ## ]]\n«I'm trying to It is 6 * 7. I'm not sure but my prediction is 42»\n\n" +
        "[[ ## reasoning_attempt_2 ## ]]\n«I'm trying to Add 40 and 2. I'm not sure but my prediction is 42»\n\n" +
        "[[ ## reasoning_attempt_3 ## ]]\n«I'm trying to Guess. I'm not sure but my prediction is 41»\n\n" +
        "Respond with the corresponding output fields, starting with the field `[[ ## rationale ## ]]`, then `[[ ## answer ## ]]`, and then ending with the marker for `[[ ## completed ## ]]`.",
    );
    const mccEvents = events.slice(events.findIndex((e) => e.type === "module_start" && e.module === "MultiChainComparison"));
    expect(shape(mccEvents).map((e) => `${e.type}@${e.depth}`)).toEqual([
      "module_start@0", "module_start@1", "adapter_format_start@2", "adapter_format_end@2", "lm_start@2", "lm_end@2",
      "adapter_parse_start@2", "adapter_parse_end@2", "module_end@1", "module_end@0",
    ]);
    expect(ofType(mccEvents, "module_start").map((e) => e.name)).toEqual(["MultiChainComparison", "MultiChainComparison.predict"]);
  });

  it("refuses a number of attempts other than M, with DSPy's message", async () => {
    const mcc = new MultiChainComparison("question -> answer", { M: 2 });
    await expect(mcc.call({ completions: [{ reasoning: "r", answer: "a" }], question: "q" })).rejects.toThrow(
      "The number of attempts (1) doesn't match the expected number M (2). Please set the correct value for M when initializing MultiChainComparison.",
    );
  });
});
