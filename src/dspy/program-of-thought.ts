// Solve by writing a program, like dspy.ProgramOfThought
// (dspy/predict/program_of_thought.py), with JavaScript instead of Python
// because Workers forbid eval/new Function: the code runs in a QuickJS/WASM
// sandbox. Three ChainOfThoughts, as DSPy: generate code; on an error,
// regenerate from the previous code and the error (up to maxIters in all);
// then produce the outputs from the final code and its output. Each
// execution is a tool call named `code_interpreter` in the events.
import { ChainOfThought } from "./chain-of-thought";
import { CodeExecutionError, type CodeInterpreter, type ExecutionResult } from "./interpreter/code-interpreter";
import { type CallOptions, type Inputs, Module } from "./module";
import type { Prediction } from "./prediction";
import { pyJsonDumps } from "./adapters/python-text";
import { ensureSignature, Signature, type Field, type FieldInit } from "./signature";
import { Tool } from "./tool";

export interface ProgramOfThoughtOptions {
  /** Code generations allowed, the first included (DSPy: 3). */
  maxIters?: number;
  /**
   * Makes the sandbox for one call (shut down afterwards). Default: QuickJS in
   * WASM as Workers load it (src/dspy/interpreter/quickjs-workers.ts); in plain
   * Node pass `() => new QuickJSInterpreter(() => newQuickJSWASMModuleFromVariant(variant))`.
   */
  interpreter?: () => CodeInterpreter | Promise<CodeInterpreter>;
}

type Mode = "generate" | "regenerate" | "answer";

async function defaultInterpreter(): Promise<CodeInterpreter> {
  // Loaded on first use so that importing the runtime never pulls in the .wasm import.
  const { quickJSInterpreter } = await import("./interpreter/quickjs-workers");
  return quickJSInterpreter();
}

const CODE_FENCE = /```(?:javascript|js)?[ \n](.*?)[ \n]```?/s;

export class ProgramOfThought extends Module {
  static override readonly className: string = "ProgramOfThought";
  /** DSPy's attribute names, the keys of a saved file (`code_generate.predict`). */
  static override readonly savedNames: Readonly<Record<string, string>> = {
    codeGenerate: "code_generate",
    codeRegenerate: "code_regenerate",
    generateOutput: "generate_output",
  };
  readonly signature: Signature;
  maxIters: number;
  readonly codeGenerate: ChainOfThought;
  readonly codeRegenerate: ChainOfThought;
  readonly generateOutput: ChainOfThought;
  private readonly makeInterpreter: () => CodeInterpreter | Promise<CodeInterpreter>;

  constructor(signature: Signature | string, options: ProgramOfThoughtOptions = {}) {
    super();
    this.signature = ensureSignature(signature);
    this.maxIters = options.maxIters ?? 3;
    this.makeInterpreter = options.interpreter ?? defaultInterpreter;
    this.codeGenerate = new ChainOfThought(this.modeSignature("generate"));
    this.codeRegenerate = new ChainOfThought(this.modeSignature("regenerate"));
    this.generateOutput = new ChainOfThought(this.modeSignature("answer"));
  }

  private modeFields(mode: Mode): Field[] {
    const extra: Record<Mode, [string, FieldInit][]> = {
      generate: [["generated_code", { kind: "output", desc: "JavaScript code that answers the question" }]],
      regenerate: [
        ["previous_code", { kind: "input", desc: "previously-generated JavaScript code that errored" }],
        ["error", { kind: "input", desc: "error message from previously-generated JavaScript code" }],
        ["generated_code", { kind: "output", desc: "JavaScript code that answers the question" }],
      ],
      answer: [
        ["final_generated_code", { kind: "input", desc: "JavaScript code that answers the question" }],
        ["code_output", { kind: "input", desc: "output of previously-generated JavaScript code" }],
      ],
    };
    let sig = new Signature([...this.signature.inputFields]);
    for (const [name, init] of extra[mode]) sig = sig.append(name, init);
    const fields = [...sig.fields];
    if (mode === "answer") fields.push(...this.signature.outputFields);
    return fields;
  }

  private modeSignature(mode: Mode): Signature {
    const fields = this.modeFields(mode);
    const list = (kind: "input" | "output") =>
      fields
        .filter((f) => f.kind === kind)
        .map((f) => `\`${f.name}\``)
        .join(", ");
    const modeInputs = list("input");
    const modeOutputs = list("output");
    const finalOutputs = this.signature.outputFields.map((f) => `\`${f.name}\``).join(", ");
    const instructions =
      mode === "generate"
        ? [
            `You will be given ${modeInputs} and you will respond with ${modeOutputs}.`,
            `Generating executable JavaScript code that programmatically computes the correct ${modeOutputs}.`,
            "The code runs as a plain JavaScript script in a sandboxed interpreter (QuickJS): no imports, network or timers; `console.log` output is captured.",
            "After you're done with the computation and think you have the final output, make sure to submit your output by calling the preloaded function `SUBMIT()`.",
            `You must structure your output in an object, like {"field_a": value_a, ...}, with the correct value mapping for the field(s): ${finalOutputs}.`,
          ]
        : mode === "regenerate"
          ? [
              `You are given ${modeInputs} due to an error in previous code.`,
              "Your task is to correct the error and provide the new `generated_code`.",
            ]
          : [`Given the final code ${modeInputs}, provide the final ${modeOutputs}.`];
    return new Signature(fields, instructions.join("\n"));
  }

  /** DSPy's _parse_code, for JavaScript: strip fences, and make a trailing assignment the result. */
  parseCode(generated: Prediction): { code: string; error: string | null } {
    const raw = String(generated.get("generated_code") ?? "");
    const code = raw.split("---")[0].split("\n\n\n")[0];
    const block = code.match(CODE_FENCE)?.[1] ?? code;
    if (!block) return { code, error: "Error: Empty code after parsing." };
    // Several assignments on one line means statements ran together (comparisons and arrows don't count).
    const assignments = block.replace(/[=!<>]==?|=>|==/g, "").split("=").length - 1;
    if (!block.includes("\n") && assignments > 1) return { code, error: "Error: Code format is not correct." };
    const lines = block.split("\n");
    const last = lines[lines.length - 1].trim().match(/^(?:(?:const|let|var)\s+)?([A-Za-z_$][\w$]*)\s*=(?!=)/);
    return { code: last && lines.length > 1 ? `${block}\n${last[1]}` : block, error: null };
  }

  /** Runs the code as a `code_interpreter` tool call; returns its output as JSON text, or the error for the LM. */
  async executeCode(code: string, runner: Tool<any, ExecutionResult>): Promise<{ output: string | null; error: string | null }> {
    if (!code) return { output: null, error: "Error: Empty code before execution." };
    try {
      const result = await runner.call({ code });
      return { output: pyJsonDumps(result.output), error: null };
    } catch (error) {
      if (error instanceof CodeExecutionError) return { output: null, error: error.message };
      throw error;
    }
  }

  /** What the answer ChainOfThought returns: `reasoning`, then the signature's outputs (as DSPy). */
  override resultFields(): readonly Field[] {
    return this.generateOutput.resultFields();
  }

  override async forward(inputs: Inputs, options?: CallOptions): Promise<Prediction> {
    const interpreter = await this.makeInterpreter();
    const runner = new Tool(({ code }) => interpreter.execute(code as string), {
      name: "code_interpreter",
      desc: "Runs JavaScript in a QuickJS sandbox; the program reports its result with SUBMIT({...}).",
      args: { code: { type: "string" } },
    });
    const sub: CallOptions = { config: options?.config, lm: options?.lm };
    try {
      const kwargs: Inputs = Object.fromEntries(this.signature.inputFields.map((f) => [f.name, inputs[f.name]]));
      let { code, error } = this.parseCode(await this.codeGenerate.call(kwargs, sub));
      let output: string | null = null;
      if (!error) ({ output, error } = await this.executeCode(code, runner));
      let hop = 1;
      while (error !== null) {
        if (hop === this.maxIters) throw new Error(`Max hops reached. Failed to run ProgramOfThought: ${error}`);
        Object.assign(kwargs, { previous_code: code, error });
        ({ code, error } = this.parseCode(await this.codeRegenerate.call(kwargs, sub)));
        if (!error) ({ output, error } = await this.executeCode(code, runner));
        hop += 1;
      }
      Object.assign(kwargs, { final_generated_code: code, code_output: output });
      return await this.generateOutput.call(kwargs, sub);
    } finally {
      interpreter.shutdown();
    }
  }
}
