import { ChainOfThought } from "../../dspy/chain-of-thought";
import { type CallOptions, type Inputs, Module } from "../../dspy/module";
import { MultiChainComparison } from "../../dspy/multi-chain-comparison";
import type { Prediction } from "../../dspy/prediction";
import { type Field, Signature } from "../../dspy/signature";
import { defineProgram } from "../define";

const task = new Signature("question -> answer");

/** Three reasoning attempts in one LM call (n=3), then a comparison that settles on one answer. */
class CompareAttempts extends Module {
  static override readonly className = "CompareAttempts";
  readonly attempts = new ChainOfThought(task);
  readonly compare = new MultiChainComparison(task, { M: 3 });

  /** The comparison's answer is the result: `rationale`, then `answer`. */
  override resultFields(): readonly Field[] {
    return this.compare.resultFields();
  }

  override async forward(inputs: Inputs, options?: CallOptions): Promise<Prediction> {
    const drafts = await this.attempts.call(inputs, { config: { n: 3, temperature: 0.9 } });
    return this.compare.call({ ...inputs, completions: drafts.completions }, options);
  }
}

export const compare = defineProgram({
  name: "compare",
  description: "Reason three ways, then compare the attempts and answer once more (MultiChainComparison).",
  examples: [{ question: "What is 6 * 7?" }, { question: "How long is the Nile?" }],
  module: () => new CompareAttempts(),
  // The root is a small wiring class; the program is about MultiChainComparison (as the README says).
  kind: "MultiChainComparison",
  signature: new Signature("question -> rationale, answer"),
});
