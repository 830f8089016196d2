// defineProgram: what a program documents as its result when its module cannot say.
import { describe, expect, it } from "vitest";
import { type Inputs, Module } from "../../src/dspy/module";
import { Predict } from "../../src/dspy/predict";
import type { Prediction } from "../../src/dspy/prediction";
import { Signature } from "../../src/dspy/signature";
import { defineProgram } from "../../src/programs/define";

class Pipeline extends Module {
  static override readonly className = "Pipeline";
  readonly draft = new Predict("question -> draft");
  readonly polish = new Predict("draft -> answer");
  async forward(inputs: Inputs): Promise<Prediction> {
    const { draft } = (await this.draft.call(inputs)).toJSON();
    return this.polish.call({ draft });
  }
}

describe("defineProgram", () => {
  it("a module with several sub-modules documents the declared signature's outputs", () => {
    const program = defineProgram({
      name: "pipeline",
      description: "two steps",
      module: () => new Pipeline(),
      signature: new Signature("question -> answer"),
    });
    expect(program.resultFields.map((f) => f.name)).toEqual(["answer"]);
  });

  it("without a signature it fails at definition, naming the program and the fix", () => {
    expect(() => defineProgram({ name: "pipeline", description: "two steps", module: () => new Pipeline() })).toThrow(
      /Program "pipeline": .*(signature|resultFields)/,
    );
  });
});
