// Module.resultFields: the fields each module's Prediction carries, as DSPy's
// modules return them (not only the signature's outputs).
import { describe, expect, it } from "vitest";
import { BestOfN } from "../../../src/dspy/best-of-n";
import { ChainOfThought } from "../../../src/dspy/chain-of-thought";
import { type Inputs, Module } from "../../../src/dspy/module";
import { MultiChainComparison } from "../../../src/dspy/multi-chain-comparison";
import { Predict } from "../../../src/dspy/predict";
import type { Prediction } from "../../../src/dspy/prediction";
import { ProgramOfThought } from "../../../src/dspy/program-of-thought";
import { ReAct } from "../../../src/dspy/react";
import { Refine } from "../../../src/dspy/refine";
import type { Field } from "../../../src/dspy/signature";
import { Tool } from "../../../src/dspy/tool";

const typed = (fields: readonly Field[]) => fields.map((f) => `${f.name}: ${f.typeName}`);
const reward = () => 1;

describe("resultFields", () => {
  it("Predict: its signature's outputs", () => {
    expect(typed(new Predict("text -> label: Literal['a', 'b'], score: float").resultFields())).toEqual([
      "label: Literal['a', 'b']",
      "score: float",
    ]);
  });

  it("ChainOfThought: reasoning, then the outputs (its Predict's)", () => {
    const cot = new ChainOfThought("question -> answer: int");
    expect(typed(cot.resultFields())).toEqual(["reasoning: str", "answer: int"]);
    expect(cot.resultFields()).toEqual(cot.predict.resultFields());
  });

  it("ReAct: trajectory, then the extract ChainOfThought's reasoning and outputs", () => {
    const add = new Tool(({ a, b }) => Number(a) + Number(b), { name: "add", desc: "adds", args: { a: { type: "number" }, b: { type: "number" } } });
    const fields = new ReAct("question -> answer: float, unit", { tools: [add] }).resultFields();
    expect(typed(fields)).toEqual(["trajectory: dict[str, Any]", "reasoning: str", "answer: float", "unit: str"]);
    expect(fields.every((f) => f.kind === "output")).toBe(true);
  });

  it("ProgramOfThought: the answer ChainOfThought's reasoning and outputs, not the generated code", () => {
    const pot = new ProgramOfThought("question -> answer: float");
    expect(typed(pot.resultFields())).toEqual(["reasoning: str", "answer: float"]);
  });

  it("BestOfN and Refine: the wrapped module's", () => {
    const inner = new ChainOfThought("question -> answer");
    expect(typed(new BestOfN(inner, { n: 2, rewardFn: reward, threshold: 1 }).resultFields())).toEqual(["reasoning: str", "answer: str"]);
    // Refine also holds its feedback Predict; its result is still the wrapped module's.
    expect(typed(new Refine(new Predict("q -> a: int"), { n: 2, rewardFn: reward, threshold: 1 }).resultFields())).toEqual(["a: int"]);
  });

  it("MultiChainComparison: rationale, then the outputs", () => {
    expect(typed(new MultiChainComparison("question -> answer", { M: 2 }).resultFields())).toEqual(["rationale: str", "answer: str"]);
  });

  it("a custom module: its only sub-module's, else it must say", () => {
    class Wrap extends Module {
      readonly inner = new ChainOfThought("q -> a");
      forward(inputs: Inputs): Promise<Prediction> {
        return this.inner.call(inputs);
      }
    }
    class Two extends Module {
      static override readonly className = "Two";
      readonly first = new Predict("q -> draft");
      readonly second = new Predict("draft -> a");
      forward(inputs: Inputs): Promise<Prediction> {
        return this.first.call(inputs);
      }
    }
    expect(typed(new Wrap().resultFields())).toEqual(["reasoning: str", "a: str"]);
    expect(() => new Two().resultFields()).toThrow("Two: cannot tell which fields its result carries (sub-modules first, second); override resultFields()");
  });
});
