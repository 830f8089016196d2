// Reasoning and acting, like dspy.ReAct (dspy/predict/react.py): a Predict
// picks the next thought, tool and args from the inputs and the trajectory so
// far; the tool's result (or error) is appended as an observation; `finish`
// ends the loop; a ChainOfThought then extracts the outputs from inputs +
// trajectory. Same signature, instructions and trajectory text as DSPy.
import { ChatAdapter } from "./adapters/chat";
import { asStep } from "./call-note";
import { ChainOfThought } from "./chain-of-thought";
import { currentContext } from "./context";
import { ValueError } from "./errors";
import { type CallOptions, type Inputs, Module } from "./module";
import { Predict } from "./predict";
import { Prediction } from "./prediction";
import { ensureSignature, type Field, makeField, Signature } from "./signature";
import { T } from "./types";
import { Tool } from "./tool";

export interface ReActOptions {
  /** Tools, or plain functions (wrapped as argument-less tools named after the function). */
  tools: (Tool<any, any> | ((args: any) => unknown))[];
  /** Tool calls before extracting the answer anyway (DSPy: 20). A call may pass `max_iters` among its inputs. */
  maxIters?: number;
}

/** An error as ReAct shows it to the LM; DSPy prints the traceback, whose last line is this. */
export function formatErrorForLm(error: unknown): string {
  if (error instanceof Error) return `\n${error.name}: ${error.message}`;
  return `\n${String(error)}`;
}

const names = (fields: readonly { name: string }[]) => fields.map((f) => `\`${f.name}\``).join(", ");

export class ReAct extends Module {
  static override readonly className: string = "ReAct";
  readonly signature: Signature;
  maxIters: number;
  /** By name, in instruction order; `finish` last. */
  readonly tools: Map<string, Tool<any, any>>;
  readonly react: Predict;
  readonly extract: ChainOfThought;

  constructor(signature: Signature | string, options: ReActOptions) {
    super();
    const sig = ensureSignature(signature);
    this.signature = sig;
    this.maxIters = options.maxIters ?? 20;

    const tools = new Map<string, Tool<any, any>>();
    for (const t of options.tools) {
      const tool = t instanceof Tool ? t : new Tool(t);
      tools.set(tool.name, tool);
    }
    const outputs = names(sig.outputFields);
    tools.set(
      "finish",
      new Tool(() => "Completed.", {
        name: "finish",
        desc: `Marks the task as complete. That is, signals that all information for producing the outputs, i.e. ${outputs}, are now available to be extracted.`,
        args: {},
      }),
    );
    this.tools = tools;

    const instr = sig.instructions ? [`${sig.instructions}\n`] : [];
    instr.push(
      `You are an Agent. In each episode, you will be given the fields ${names(sig.inputFields)} as input. And you can see your past trajectory so far.`,
      `Your goal is to use one or more of the supplied tools to collect any necessary information for producing ${outputs}.\n`,
      "To do this, you will interleave next_thought, next_tool_name, and next_tool_args in each turn, and also when finishing the task.",
      "After each tool call, you receive a resulting observation, which gets appended to your trajectory.\n",
      "When writing next_thought, you may reason about the current situation and plan for future steps.",
      "When selecting the next_tool_name and its next_tool_args, the tool must be one of:\n",
    );
    [...tools.values()].forEach((tool, i) => instr.push(`(${i + 1}) ${tool}`));
    instr.push("When providing `next_tool_args`, the value inside the field must be in JSON format");

    const reactSignature = new Signature([...sig.inputFields], instr.join("\n"))
      .append("trajectory", { kind: "input", type: "str" })
      .append("next_thought", { kind: "output", type: "str" })
      .append("next_tool_name", { kind: "output", type: T.literal(...tools.keys()) })
      .append("next_tool_args", { kind: "output", type: "dict[str, Any]" });
    const extractSignature = new Signature([...sig.inputFields, ...sig.outputFields], sig.instructions).append(
      "trajectory",
      { kind: "input", type: "str" },
    );
    this.react = new Predict(reactSignature);
    this.extract = new ChainOfThought(extractSignature);
  }

  /** `trajectory` (every thought, tool call and observation), then the extract ChainOfThought's fields. */
  override resultFields(): readonly Field[] {
    return [makeField("trajectory", { kind: "output", type: "dict[str, Any]" }), ...this.extract.resultFields()];
  }

  /** The trajectory as the adapter renders input fields: `[[ ## thought_0 ## ]]` blocks. */
  formatTrajectory(trajectory: Record<string, unknown>): string {
    const adapter = currentContext().adapter ?? new ChatAdapter();
    const signature = new Signature(`${Object.keys(trajectory).join(", ")} -> x`);
    return adapter.formatUserMessageContent(signature, trajectory);
  }

  override async forward(inputs: Inputs, options?: CallOptions): Promise<Prediction> {
    const { max_iters, ...args } = inputs;
    // Demos belong to one predictor; only the LM and its config pass down.
    const sub: CallOptions = { config: options?.config, lm: options?.lm };
    const maxIters = typeof max_iters === "number" ? max_iters : this.maxIters;
    const trajectory: Record<string, unknown> = {};

    for (let idx = 0; idx < maxIters; idx++) {
      let pred: Prediction;
      try {
        // Iteration idx+1: its react call and its tool call carry the step in their start events.
        pred = await asStep(idx + 1, maxIters, () => this.react.call({ ...args, trajectory: this.formatTrajectory(trajectory) }, sub));
      } catch (error) {
        // DSPy ends the loop on a ValueError only: JSONAdapter's fallback read the answer but a value
        // did not fit (a tool not in the list, args that are no object). An answer neither adapter
        // could read (AdapterParseError), an LM failure or anything else escapes and fails ReAct.
        if (error instanceof ValueError) {
          console.warn(`ReAct: ending the trajectory: agent failed to select a valid tool: ${error.message}`);
          break;
        }
        throw error;
      }
      const toolName = pred.get("next_tool_name") as string;
      const toolArgs = (pred.get("next_tool_args") ?? {}) as Record<string, unknown>;
      trajectory[`thought_${idx}`] = pred.get("next_thought");
      trajectory[`tool_name_${idx}`] = toolName;
      trajectory[`tool_args_${idx}`] = toolArgs;
      try {
        const tool = this.tools.get(toolName);
        if (!tool) throw new Error(`no tool named ${toolName}`);
        trajectory[`observation_${idx}`] = await asStep(idx + 1, maxIters, () => tool.call(toolArgs));
      } catch (error) {
        trajectory[`observation_${idx}`] = `Execution error in ${toolName}: ${formatErrorForLm(error)}`;
      }
      if (toolName === "finish") break;
    }

    const extracted = await this.extract.call({ ...args, trajectory: this.formatTrajectory(trajectory) }, sub);
    return new Prediction({ trajectory, ...extracted.outputs });
  }
}
