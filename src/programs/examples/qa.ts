import { Predict } from "../../dspy/predict";
import { defineProgram } from "../define";

export const qa = defineProgram({
  name: "qa",
  description: "Answer a question in a few words (Predict).",
  examples: [{ question: "Who was Ada Lovelace?" }, { question: "What is the capital of France?" }],
  module: () => new Predict("question -> answer"),
});
