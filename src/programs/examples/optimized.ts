// A program optimized in Python and served here: DSPy's BootstrapFewShot
// compiled ChainOfThought("question -> answer") and `save()`d it; the file is
// bundled with the Worker and loaded into every run, so its prompts carry the
// optimizer's demos exactly as DSPy sends them.
import { ChainOfThought } from "../../dspy/chain-of-thought";
import { defineProgram } from "../define";
import fewShot from "./saved/cot_fewshot.json";

export const optimized = defineProgram({
  name: "optimized",
  description: "ChainOfThought compiled by DSPy's BootstrapFewShot in Python, loaded from its saved JSON (4 demos).",
  module: () => new ChainOfThought("question -> answer"),
  state: fewShot,
  examples: [{ question: "What is the capital of France?" }, { question: "How tall is Mount Everest?" }],
});
