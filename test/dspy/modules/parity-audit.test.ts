// Behaviours found by auditing modules against DSPy 3.3.1's source (expected
// values read from it, not run: dspy/predict/best_of_n.py, multi_chain_comparison.py).
import { describe, expect, it } from "vitest";
import { BestOfN } from "../../../src/dspy/best-of-n";
import { context } from "../../../src/dspy/context";
import { LM } from "../../../src/dspy/lm";
import { type Inputs, Module } from "../../../src/dspy/module";
import { MultiChainComparison } from "../../../src/dspy/multi-chain-comparison";
import type { Prediction } from "../../../src/dspy/prediction";
import { fakeOpenAIFetch } from "../../../src/dspy/utils/fake-openai";

const quiet = { warn: console.warn };

describe("BestOfN failure budget (best_of_n.py: `if idx > self.fail_count: raise e; self.fail_count -= 1`)", () => {
  it("is spent on the instance, so a second call tolerates fewer failures", async () => {
    let attempts = 0;
    class Broken extends Module {
      override async forward(_inputs: Inputs): Promise<Prediction> {
        attempts++;
        throw new Error("broken");
      }
    }
    const lm = new LM("gpt-4o-mini", { apiKey: "k", baseURL: "https://x.test/v1", fetch: fakeOpenAIFetch(() => "x") });
    const best = new BestOfN(new Broken(), { n: 3, threshold: 1, rewardFn: () => 1, failCount: 2 });
    console.warn = () => {};
    try {
      // fail_count 2: idx 0 → 1, idx 1 → 0, idx 2 > 0 raises (3 attempts).
      await expect(context({ lm }, () => best.call({}))).rejects.toThrow("broken");
      expect(attempts).toBe(3);
      // fail_count is now 0: idx 0 → -1, idx 1 > -1 raises (2 attempts, where a fresh instance makes 3).
      attempts = 0;
      await expect(context({ lm }, () => best.call({}))).rejects.toThrow("broken");
      expect(attempts).toBe(2);
    } finally {
      console.warn = quiet.warn;
    }
  });
});

describe("MultiChainComparison attempts (multi_chain_comparison.py)", () => {
  it("shows each answer as Python's str() of it, first line, stripped", async () => {
    const fetch = fakeOpenAIFetch(() => "[[ ## rationale ## ]]\nr\n\n[[ ## answer ## ]]\n2\n\n[[ ## completed ## ]]");
    const lm = new LM("gpt-4o-mini", { apiKey: "k", baseURL: "https://x.test/v1", fetch });
    const mcc = new MultiChainComparison("question -> answer");
    await context({ lm }, () =>
      mcc.call({
        question: "q",
        completions: [
          { reasoning: "  first\nsecond", answer: 2 },
          { rationale: " r ", answer: true },
          { reasoning: "x", answer: [1, "a"] },
        ],
      }),
    );
    const user = fetch.requests[0].body.messages.at(-1)!.content;
    expect(user).toContain("[[ ## reasoning_attempt_1 ## ]]\n«I'm trying to first I'm not sure but my prediction is 2»");
    expect(user).toContain("[[ ## reasoning_attempt_2 ## ]]\n«I'm trying to r I'm not sure but my prediction is True»");
    expect(user).toContain("[[ ## reasoning_attempt_3 ## ]]\n«I'm trying to x I'm not sure but my prediction is [1, 'a']»");
  });
});
