import { BestOfN } from "../../dspy/best-of-n";
import { ChainOfThought } from "../../dspy/chain-of-thought";
import type { Inputs } from "../../dspy/module";
import type { Prediction } from "../../dspy/prediction";
import { defineProgram } from "../define";

/** Prefers short, direct answers: 1.0 at twelve words or fewer, less the longer it gets. */
function concise(_inputs: Inputs, prediction: Prediction): number {
  const words = String(prediction.get("answer") ?? "").split(/\s+/).filter(Boolean).length;
  return words === 0 ? 0 : Math.min(1, 12 / words);
}

export const best = defineProgram({
  name: "best",
  description: "Try up to three reasoned answers and keep the most concise one (BestOfN over ChainOfThought).",
  examples: [{ question: "How long is a marathon?" }, { question: "When did humans first land on the Moon?" }],
  module: () => new BestOfN(new ChainOfThought("question -> answer"), { n: 3, rewardFn: concise, threshold: 1 }),
});
