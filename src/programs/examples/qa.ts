import { Predict } from "../../dspy/predict";
import { defineProgram } from "../define";

export const qa = defineProgram({
  name: "qa",
  description: "Answer a question in a few words (Predict).",
  module: () => new Predict("question -> answer"),
});
