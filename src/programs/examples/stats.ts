import { ProgramOfThought } from "../../dspy/program-of-thought";
import { Signature } from "../../dspy/signature";
import { defineProgram } from "../define";

const signature = new Signature({
  inputs: {
    numbers: { type: "list[float]", desc: "the numbers, as a JSON list" },
    statistic: "Literal['mean', 'median', 'sum', 'max', 'min']",
    scale: { type: "float", desc: "multiply the result by this (1 keeps it as is)" },
  },
  outputs: { result: "float" },
  instructions: "Compute the statistic of the numbers, times the scale.",
});

export const stats = defineProgram({
  name: "stats",
  description: "A statistic of a list of numbers, computed by code the LM writes (ProgramOfThought with typed inputs).",
  examples: [
    { numbers: [3, 1.5, 4, 1.5, 5], statistic: "mean", scale: 1 },
    { numbers: [2, 9, 4, 7], statistic: "median", scale: 10 },
  ],
  module: () => new ProgramOfThought(signature, { maxIters: 3 }),
});
