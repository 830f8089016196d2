// What one row of the tree says about a call: icon, label, a one-line summary, tokens.
import type { CallNode, NodeKind } from "./run-state";
import { nodeError } from "./run-state";
import { count, kvPreview, preview } from "./format";

export const KIND_ICON: Record<NodeKind, string> = {
  module: "◆",
  format: "⇥",
  lm: "✦",
  parse: "⇤",
  tool: "⚙",
};

export const KIND_LABEL: Record<NodeKind, string> = {
  module: "module",
  format: "format",
  lm: "lm",
  parse: "parse",
  tool: "tool",
};

/** The name shown for the node: module class + path, adapter, model, tool. */
export function nodeTitle(node: CallNode): { primary: string; secondary: string } {
  const start = node.start;
  switch (start.type) {
    case "module_start":
      return { primary: start.module, secondary: start.name === start.module ? "" : start.name };
    case "lm_start":
      return { primary: start.model, secondary: "" };
    case "tool_start":
      return { primary: start.tool, secondary: "" };
    case "adapter_format_start":
    case "adapter_parse_start":
      return { primary: start.adapter, secondary: "" };
  }
}

export function nodeSummary(node: CallNode): string {
  const error = nodeError(node);
  if (error) return `${error.type}: ${preview(error.message, 120)}`;
  const start = node.start;
  const end = node.end;
  switch (start.type) {
    case "module_start":
      return end?.type === "module_end" && end.outputs ? `→ ${kvPreview(end.outputs, 120)}` : kvPreview(start.inputs, 120);
    case "adapter_format_start":
      if (end?.type === "adapter_format_end" && end.messages) {
        return `${start.signature} · ${end.messages.length} messages${start.demos ? ` · ${start.demos} demos` : ""}`;
      }
      return start.signature;
    case "lm_start": {
      if (node.text) return preview(readableCompletion(node.text.slice(-400)), 140);
      const params = kvPreview(start.params, 60);
      return `${start.messages.length} messages${params ? ` · ${params}` : ""}`;
    }
    case "adapter_parse_start":
      return end?.type === "adapter_parse_end" && end.outputs ? `→ ${kvPreview(end.outputs, 120)}` : preview(start.completion, 100);
    case "tool_start": {
      const call = `(${kvPreview(start.args, 70)})`;
      return end?.type === "tool_end" ? `${call} → ${preview(end.result, 80)}` : call;
    }
  }
}

/** Tokens and throughput of an LM node: exact from usage once ended, counted deltas while streaming. */
export function lmStats(node: CallNode, now: number): { text: string; title: string } | null {
  if (node.kind !== "lm") return null;
  const end = node.end?.type === "lm_end" ? node.end : null;
  if (end?.usage) {
    const { prompt_tokens, completion_tokens } = end.usage;
    const secs = end.duration_ms / 1000;
    const rate = secs > 0 && !end.cached ? ` · ${Math.round(completion_tokens / secs)} tok/s` : "";
    return {
      text: `${count(prompt_tokens)}→${count(completion_tokens)} tok${rate}${end.cached ? " · cached" : ""}`,
      title: `${prompt_tokens} prompt + ${completion_tokens} completion = ${end.usage.total_tokens} tokens`,
    };
  }
  if (end) return end.cached ? { text: "cached", title: "served from the LM cache" } : null;
  if (node.deltas === 0) return null;
  const secs = Math.max(0.001, (now - node.start.ts) / 1000);
  return {
    text: `~${node.deltas} tok · ${Math.round(node.deltas / secs)} tok/s`,
    title: "streaming: counted chunks so far (exact usage arrives with lm_end)",
  };
}

/** `[[ ## answer ## ]]\nParis` reads better in one line as `answer: Paris`. */
function readableCompletion(text: string): string {
  return text.replace(/\[\[ ## completed ## \]\]/g, "").replace(/\[\[ ## (\w+) ## \]\]\s*/g, "$1: ");
}
