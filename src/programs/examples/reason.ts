import { ChainOfThought } from "../../dspy/chain-of-thought";
import { defineProgram } from "../define";

export const reason = defineProgram({
  name: "reason",
  description: "Think step by step, then answer (ChainOfThought).",
  examples: [{ question: "How tall is Mount Everest?" }, { question: "What is 17 * 23?" }],
  module: () => new ChainOfThought("question -> answer"),
});
