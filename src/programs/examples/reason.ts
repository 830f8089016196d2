import { ChainOfThought } from "../../dspy/chain-of-thought";
import { defineProgram } from "../define";

export const reason = defineProgram({
  name: "reason",
  description: "Think step by step, then answer (ChainOfThought).",
  module: () => new ChainOfThought("question -> answer"),
});
