import { ChainOfThought } from "../../dspy/chain-of-thought";
import { type CallOptions, type Inputs, Module } from "../../dspy/module";
import { Parallel } from "../../dspy/parallel";
import { Predict } from "../../dspy/predict";
import type { Prediction } from "../../dspy/prediction";
import { type Field, Signature } from "../../dspy/signature";
import { defineProgram } from "../define";

/**
 * Fans out: split the question into sub-questions, research each one with the
 * same ChainOfThought concurrently (Parallel: the UI shows the branches side by
 * side under this module's call), then combine the findings in one Predict.
 */
class Research extends Module {
  static override readonly className = "Research";
  readonly split = new Predict(
    new Signature(
      "question -> sub_questions: list[str]",
      "Break the question into two to four short, self-contained sub-questions that can be researched separately.",
    ),
  );
  readonly research = new ChainOfThought("sub_question -> finding");
  readonly combine = new Predict(
    new Signature("question, findings: list[str] -> answer", "Answer the question from the findings of its sub-questions."),
  );

  override resultFields(): readonly Field[] {
    return this.combine.resultFields();
  }

  override async forward(inputs: Inputs, options?: CallOptions): Promise<Prediction> {
    const { sub_questions } = await this.split.call(inputs);
    const questions = (sub_questions as string[]).slice(0, 4);
    // A failed branch is null (logged), as in DSPy; the combine step sees that it is missing.
    const results = await new Parallel({ numThreads: 4 }).call(questions.map((q) => [this.research, { sub_question: q }] as const));
    const findings = results.map((r, i) => (r ? String(r.finding) : `(no finding for: ${questions[i]})`));
    return this.combine.call({ question: inputs.question, findings }, options);
  }
}

export const research = defineProgram({
  name: "research",
  description: "Split a question into sub-questions, research them in parallel (ChainOfThought × N via Parallel), then combine.",
  module: () => new Research(),
  signature: new Signature("question -> answer"),
  examples: [
    { question: "Which is taller, the Eiffel Tower or Mount Everest?" },
    { question: "Which has more people, Paris or France?" },
  ],
});
