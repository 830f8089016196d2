// ProgramOfThought in workerd: the LM writes JavaScript, the QuickJS/WASM
// sandbox runs it (each run a `code_interpreter` tool call), errors go back to
// the LM for regeneration, and after max_iters the run fails as DSPy's does.
import { describe, expect, it } from "vitest";
import { context } from "../../../src/dspy/context";
import { quickJSInterpreter } from "../../../src/dspy/interpreter/quickjs-workers";
import { LM } from "../../../src/dspy/lm";
import { ProgramOfThought } from "../../../src/dspy/program-of-thought";
import { fakeOpenAIFetch } from "../../../src/dspy/utils/fake-openai";
import { ofType, recordEvents, shape } from "../../helpers/events";

function chatAnswer(fields: Record<string, unknown>): string {
  const blocks = Object.entries(fields).map(([k, v]) => `[[ ## ${k} ## ]]\n${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `${blocks.join("\n\n")}\n\n[[ ## completed ## ]]`;
}

const code = (body: string) => ({ reasoning: "Compute it.", generated_code: "```javascript\n" + body + "\n```" });

async function run(answers: Record<string, unknown>[], options: { maxIters?: number; timeLimitMs?: number } = {}) {
  const queue = answers.map((a) => chatAnswer(a));
  const fetch = fakeOpenAIFetch(() => queue.shift() ?? "(no more scripted answers)", { chunkDelayMs: 0 });
  const lm = new LM("gpt-4o-mini", { apiKey: "sk-test", baseURL: "https://llm.test/v1", fetch });
  const pot = new ProgramOfThought("question -> answer: int", {
    maxIters: options.maxIters,
    // Without a time limit given, the default sandbox (loaded on first use).
    interpreter: options.timeLimitMs ? () => quickJSInterpreter({ timeLimitMs: options.timeLimitMs }) : undefined,
  });
  const { events, recorder } = recordEvents();
  const outcome = await context({ lm, callbacks: [recorder] }, () => pot.call({ question: "Sum of squares of 1..3?" })).then(
    (result) => ({ result, error: null }),
    (error: Error) => ({ result: null, error }),
  );
  return { ...outcome, events, prompts: fetch.requests.map((r) => r.body.messages) };
}

const user = (messages: { role: string; content: string }[]) => messages.at(-1)!.content;
const system = (messages: { role: string; content: string }[]) => messages[0].content;

describe("ProgramOfThought", () => {
  it("runs the generated JavaScript in the sandbox and answers from its output", async () => {
    const { result, error, prompts, events } = await run([
      code("const squares = [1, 2, 3].map((x) => x * x);\nconsole.log(squares);\nSUBMIT({ answer: squares.reduce((a, b) => a + b, 0) });"),
      { reasoning: "The program printed 14.", answer: "14" },
    ]);
    expect(error).toBeNull();
    expect(result!.toJSON()).toEqual({ reasoning: "The program printed 14.", answer: 14 });

    expect(system(prompts[0])).toContain(
      "Generating executable JavaScript code that programmatically computes the correct `generated_code`.",
    );
    expect(system(prompts[0])).toContain("calling the preloaded function `SUBMIT()`");
    expect(user(prompts[1])).toContain('[[ ## code_output ## ]]\n{"answer": 14}\n\n');
    expect(user(prompts[1])).toContain("[[ ## final_generated_code ## ]]\nconst squares");

    expect(shape(events)).toEqual([
      { type: "module_start", depth: 0 },
      ...cot(1),
      { type: "tool_start", depth: 1 },
      { type: "tool_end", depth: 1 },
      ...cot(1),
      { type: "module_end", depth: 0 },
    ]);
    expect(ofType(events, "module_start").map((e) => e.name)).toEqual([
      "ProgramOfThought",
      "ProgramOfThought.codeGenerate",
      "ProgramOfThought.codeGenerate.predict",
      "ProgramOfThought.generateOutput",
      "ProgramOfThought.generateOutput.predict",
    ]);
    const [start] = ofType(events, "tool_start");
    expect(start.tool).toBe("code_interpreter");
    expect(start.args.code).toMatch(/^const squares/);
    expect(ofType(events, "tool_end")[0].result).toEqual({ final: true, output: { answer: 14 }, stdout: "[1,4,9]\n" });
  });

  it("stops an infinite loop at the time limit and regenerates from the error", async () => {
    const { result, prompts, events } = await run(
      [code("let i = 0;\nwhile (true) { i++; }"), code("SUBMIT({ answer: 14 })"), { reasoning: "r", answer: "14" }],
      { timeLimitMs: 200 },
    );
    expect(result!.get("answer")).toBe(14);
    const [first, second] = ofType(events, "tool_end");
    expect(first.error).toEqual({
      type: "CodeExecutionError",
      message: "TimeoutError: execution stopped after exceeding the 200 ms time limit (infinite loop?)",
    });
    expect(second.error).toBeNull();
    // The regeneration prompt carries the failed code and the error.
    expect(system(prompts[1])).toContain("You are given `question`, `previous_code`, `error` due to an error in previous code.");
    expect(user(prompts[1])).toContain("[[ ## previous_code ## ]]\nlet i = 0;\nwhile (true) { i++; }\n\n");
    expect(user(prompts[1])).toContain(
      "[[ ## error ## ]]\nTimeoutError: execution stopped after exceeding the 200 ms time limit (infinite loop?)",
    );
    expect(ofType(events, "module_start").map((e) => e.name)).toContain("ProgramOfThought.codeRegenerate.predict");
  });

  it("fails with DSPy's message after max_iters broken programs", async () => {
    const broken = code("throw new Error('boom')");
    const { result, error, prompts, events } = await run([broken, broken, broken]);
    expect(result).toBeNull();
    expect(error!.message).toBe("Max hops reached. Failed to run ProgramOfThought: Error: boom");
    expect(prompts).toHaveLength(3);
    expect(ofType(events, "tool_end").map((e) => e.error?.message)).toEqual(Array(3).fill("Error: boom"));
    const rootEnd = ofType(events, "module_end").at(-1)!;
    expect(rootEnd.name).toBe("ProgramOfThought");
    expect(rootEnd.error?.message).toBe("Max hops reached. Failed to run ProgramOfThought: Error: boom");
  });

  it("reports code without SUBMIT by its last value, and an empty program without running it", async () => {
    const { result, prompts, events } = await run([
      { reasoning: "r", generated_code: "" },
      code("const partial = 1 + 4;\nconst total = partial + 9;"),
      { reasoning: "r", answer: "14" },
    ]);
    expect(user(prompts[1])).toContain("[[ ## error ## ]]\nError: Empty code after parsing.");
    // A trailing assignment becomes the program's value, as DSPy does for Python.
    expect(user(prompts[2])).toContain("[[ ## final_generated_code ## ]]\nconst partial = 1 + 4;\nconst total = partial + 9;\ntotal\n\n");
    expect(user(prompts[2])).toContain("[[ ## code_output ## ]]\n14\n\n");
    expect(ofType(events, "tool_start")).toHaveLength(1);
    expect(result!.get("answer")).toBe(14);
  });
});

function cot(depth: number) {
  return [
    { type: "module_start", depth },
    { type: "module_start", depth: depth + 1 },
    { type: "adapter_format_start", depth: depth + 2 },
    { type: "adapter_format_end", depth: depth + 2 },
    { type: "lm_start", depth: depth + 2 },
    { type: "lm_end", depth: depth + 2 },
    { type: "adapter_parse_start", depth: depth + 2 },
    { type: "adapter_parse_end", depth: depth + 2 },
    { type: "module_end", depth: depth + 1 },
    { type: "module_end", depth },
  ];
}
