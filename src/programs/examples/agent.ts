import { ReAct } from "../../dspy/react";
import { defineProgram } from "../define";
import { calculator } from "../tools/calculator";
import { encyclopedia } from "../tools/encyclopedia";
import { unitConverter } from "../tools/units";

export const agent = defineProgram({
  name: "agent",
  description: "An agent that uses tools — calculator, unit conversion, a small encyclopedia — to answer (ReAct).",
  examples: [{ question: "Convert 10 km to miles" }, { question: "How far away is the Moon?" }],
  module: () => new ReAct("question -> answer", { tools: [calculator, unitConverter, encyclopedia], maxIters: 6 }),
});
