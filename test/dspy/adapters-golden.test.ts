// Every format/parse case DSPy 3.3.1 itself produced (test/fixtures/dspy/golden.json)
// must come out byte for byte the same here.
import { describe, expect, it } from "vitest";
import { ChatAdapter } from "../../src/dspy/adapters/chat";
import { JSONAdapter } from "../../src/dspy/adapters/json";
import { AdapterParseError } from "../../src/dspy/errors";
import { Signature } from "../../src/dspy/signature";
import golden from "../fixtures/dspy/golden.json";

type Msg = { role: string; content: string };
interface FormatCase {
  id: string;
  signature: string;
  instructions?: string;
  inputs: Record<string, unknown>;
  demos?: Record<string, unknown>[];
  chat: Msg[];
  chat_cot: Msg[];
  json: Msg[];
}
interface ParseCase {
  id: string;
  signature: string;
  completion: string;
  outputs?: Record<string, unknown>;
  error?: string;
}

const formatCases = golden.format as FormatCase[];
const parseCases = golden.parse as ParseCase[];
const jsonParseCases = golden.json_parse as ParseCase[];

/** What ChainOfThought does to a signature. */
function chainOfThought(signature: Signature): Signature {
  return signature.prepend("reasoning", { kind: "output", desc: "${reasoning}", type: "str" });
}

describe("golden: DSPy's own prompts", () => {
  it("covers every case in the fixture", () => {
    expect(golden.dspy_version).toBe("3.3.1");
    expect(formatCases.map((c) => c.id)).toEqual(["basic", "typed_int", "literal_out", "list_out", "instructions", "demos_complete"]);
  });

  for (const c of formatCases) {
    const signature = new Signature(c.signature, c.instructions);
    const demos = c.demos ?? [];

    it(`${c.id}: ChatAdapter`, () => {
      expect(new ChatAdapter().format(signature, demos, c.inputs)).toEqual(c.chat);
    });

    it(`${c.id}: ChatAdapter with ChainOfThought's signature`, () => {
      expect(new ChatAdapter().format(chainOfThought(signature), demos, c.inputs)).toEqual(c.chat_cot);
    });

    it(`${c.id}: JSONAdapter`, () => {
      expect(new JSONAdapter().format(signature, demos, c.inputs)).toEqual(c.json);
    });
  }
});

describe("golden: DSPy's own parses and module prompts", () => {
  for (const [adapterName, cases, make] of [
    ["ChatAdapter", parseCases, () => new ChatAdapter()],
    ["JSONAdapter", jsonParseCases, () => new JSONAdapter()],
  ] as const) {
    for (const c of cases) {
      it(`${c.id}: ${adapterName}`, () => {
        const signature = new Signature(c.signature);
        const parse = () => make().parse(signature, c.completion);
        if (c.error) {
          expect(c.error).toBe("AdapterParseError");
          expect(parse).toThrow(AdapterParseError);
        } else {
          expect(parse()).toEqual(c.outputs);
        }
      });
    }
  }

  it("the prompts recorded for module runs match the adapter's format", () => {
    const predict = golden.prompts.find((p) => p.id === "predict")!;
    const cot = golden.prompts.find((p) => p.id === "cot")!;
    const question = { question: "Capital of France?" };
    expect(new ChatAdapter().format(new Signature("question -> answer"), [], question)).toEqual(predict.calls[0]);
    expect(new ChatAdapter().format(chainOfThought(new Signature("question -> answer")), [], question)).toEqual(cot.calls[0]);
  });

  it("ReAct's prompts (typed Literal and dict outputs, an empty trajectory) match", () => {
    const react = golden.prompts.find((p) => p.id === "react")!;
    // The instructions are ReAct's business; take them from DSPy's own system message.
    const instructionsOf = (system: string) =>
      system
        .split("your objective is: \n")[1]
        .split("\n")
        .map((line) => line.slice(8))
        .join("\n");
    const step = new Signature(
      "question, trajectory -> next_thought, next_tool_name: Literal['get_weather', 'search_wiki', 'finish'], next_tool_args: dict[str, Any]",
      instructionsOf(react.calls[0][0].content),
    );
    const question = "What's the weather in Paris?";
    expect(new ChatAdapter().format(step, [], { question, trajectory: "" })).toEqual(react.calls[0]);
    const trajectory = react.calls[1][1].content.split("[[ ## trajectory ## ]]\n")[1].split("\n\nRespond with")[0];
    expect(new ChatAdapter().format(step, [], { question, trajectory })).toEqual(react.calls[1]);
    // ReAct's extract step: the original signature (and instructions) plus the trajectory input.
    const extract = chainOfThought(new Signature("question -> answer").append("trajectory", { kind: "input" }));
    expect(new ChatAdapter().format(extract, [], { question, trajectory: react.calls[2][1].content.split("[[ ## trajectory ## ]]\n")[1].split("\n\nRespond with")[0] })).toEqual(react.calls[2]);
  });
});
