import { ProgramOfThought } from "../../dspy/program-of-thought";
import { defineProgram } from "../define";

export const math = defineProgram({
  name: "math",
  description: "Solve a math question by writing JavaScript and running it in a QuickJS sandbox (ProgramOfThought).",
  examples: [{ question: "What is 15% of 240?" }, { question: "What is 2^10 + 5?" }],
  module: () => new ProgramOfThought("question -> answer: float", { maxIters: 3 }),
});
