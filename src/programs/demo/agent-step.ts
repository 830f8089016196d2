// The demo LM's ReAct policy: read the tools from the instructions and the
// trajectory so far, use each helpful tool once, then `finish`.
import { computed, conversion, topic } from "./knowledge";
import { sections, type PromptTool } from "./prompt-reader";

export interface AgentStep {
  next_thought: string;
  next_tool_name: string;
  next_tool_args: Record<string, unknown>;
}

const MAX_STEPS = 4;

function calledTools(trajectory: string): { name: string; observation: string }[] {
  const s = sections(trajectory);
  const calls: { name: string; observation: string }[] = [];
  for (let i = 0; `tool_name_${i}` in s; i++) {
    calls.push({ name: s[`tool_name_${i}`].trim(), observation: (s[`observation_${i}`] ?? "").trim() });
  }
  return calls;
}

/** Observations from the trajectory (finish's "Completed." left out). */
export function observations(trajectory: string): string[] {
  return calledTools(trajectory)
    .filter((c) => c.name !== "finish")
    .map((c) => c.observation);
}

function argsFor(tool: PromptTool, question: string): Record<string, unknown> | null {
  const conv = conversion(question);
  const expr = computed(question);
  const args: Record<string, unknown> = {};
  for (const arg of tool.args) {
    const n = arg.name.toLowerCase();
    if (arg.type === "number" || arg.type === "integer") {
      if (!conv) return null;
      args[arg.name] = conv.value;
    } else if (/from/.test(n) && conv) args[arg.name] = conv.from;
    else if (/to|target/.test(n) && conv) args[arg.name] = conv.to;
    else if (/expr|formula|calc/.test(n)) {
      if (!expr) return null;
      args[arg.name] = expr.expression;
    } else if (arg.type === "string" || arg.type === "any") args[arg.name] = topic(question);
    else if (arg.type === "boolean") args[arg.name] = true;
    else return null;
  }
  return args;
}

function usefulness(tool: PromptTool, question: string): number {
  const text = `${tool.name} ${tool.desc}`.toLowerCase();
  if (/calc|arith|math|expression/.test(text)) return computed(question) ? 3 : 0;
  if (/convert|unit/.test(text)) return conversion(question) ? 3 : 0;
  if (/search|wiki|encyclop|look ?up|knowledge/.test(text)) return computed(question) || conversion(question) ? 0 : 2;
  // An unknown tool: worth one try when the question names something it could take.
  return /[A-Z]/.test(question.slice(1)) ? 1 : 0;
}

/** The description's first sentence, without asides: "(e.g. km to miles)" must not end it at "e.g". */
function firstSentence(desc: string): string {
  return desc.replace(/\s*\([^)]*\)/g, "").split(/\.(?:\s|$)/)[0];
}

export function nextStep(tools: PromptTool[], question: string, trajectory: string): AgentStep {
  const used = new Set(calledTools(trajectory).map((c) => c.name));
  const candidates =
    used.size >= MAX_STEPS
      ? []
      : tools
          .filter((t) => t.name !== "finish" && !used.has(t.name))
          .map((t) => ({ tool: t, score: usefulness(t, question), args: argsFor(t, question) }))
          .filter((c) => c.score > 0 && c.args !== null)
          .sort((a, b) => b.score - a.score);
  const pick = candidates[0];
  if (pick) {
    return {
      next_thought: `To answer this I should use ${pick.tool.name}: ${firstSentence(pick.tool.desc).toLowerCase()}.`,
      next_tool_name: pick.tool.name,
      next_tool_args: pick.args!,
    };
  }
  return {
    next_thought:
      used.size > 0
        ? "The observations so far contain what I need; I can finish and give the answer."
        : "I can answer this directly without calling a tool.",
    next_tool_name: "finish",
    next_tool_args: {},
  };
}
