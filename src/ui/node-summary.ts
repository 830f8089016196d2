// What one row of the tree says about a call: icon, label, a one-line summary, tokens.
import type { CallNode, NodeKind } from "./run-state";
import { nodeError, tokensUnder } from "./run-state";
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
      const choices = end?.type === "lm_end" && end.texts && end.texts.length > 1 ? `${end.texts.length} completions · ` : "";
      const fields = completionFields(node);
      if (fields?.length) {
        if (!end) {
          // Streaming: the field being written, its newest words (from a word boundary).
          const [name, value] = fields[fields.length - 1];
          return `${name}: ${wordTail(value, 120)}`;
        }
        // Done: every field, the short ones (answers, tool names) first.
        const byLength = [...fields].sort(([, a], [, b]) => a.length - b.length);
        return choices + preview(byLength.map(([k, v]) => `${k}: ${preview(v, 70)}`).join(" · "), 160);
      }
      if (node.text) return choices + (end ? preview(node.text, 140) : wordTail(node.text, 140));
      if (node.retries.length) return `retrying: ${node.retries.length} failed attempt${node.retries.length > 1 ? "s" : ""}`;
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

/**
 * The output fields of an LM response so far, in order: from `lm_delta.field` when the deltas
 * carry it, else read from ChatAdapter's `[[ ## field ## ]]` markers. Null when neither applies
 * (JSON or XML text without field-tagged deltas).
 */
export function completionFields(node: CallNode): [string, string][] | null {
  if (node.fields.size && !node.end) return [...node.fields].map(([k, v]) => [k, v.trim()]);
  const parts = node.text.split(/\[\[ ## (\w+) ## \]\]/);
  if (parts.length < 3) return node.fields.size ? [...node.fields].map(([k, v]) => [k, v.trim()]) : null;
  const out: [string, string][] = [];
  for (let i = 1; i < parts.length; i += 2) if (parts[i] !== "completed") out.push([parts[i], parts[i + 1].trim()]);
  return out;
}

/** The last `max` characters of a text in one line, starting at a word, not in the middle of one. */
export function wordTail(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const tail = flat.slice(-max);
  const space = tail.indexOf(" ");
  return `…${space >= 0 && space < max / 3 ? tail.slice(space + 1) : tail}`;
}

/** A repeated call's place among its parent's calls: "attempt 2 of 3", "step 2", "feedback on attempt 1". */
export function stepLabel(node: CallNode, parent: CallNode | null): string | null {
  const start = node.start;
  const step = start.type === "module_start" || start.type === "tool_start" ? start.step : undefined;
  if (step === undefined) return null;
  const of = start.type === "module_start" || start.type === "tool_start" ? start.step_of : undefined;
  const parentClass = parent?.start.type === "module_start" ? parent.start.module : "";
  if (parentClass === "ReAct" || node.kind === "tool") return `step ${step}`;
  if (node.kind === "module" && node.name.endsWith(".feedback")) return `feedback on attempt ${step}`;
  return `attempt ${step}${of ? ` of ${of}` : ""}`;
}

/** An attempt's reward and whether it was kept: known once its BestOfN/Refine parent has ended. */
export function attemptOutcome(node: CallNode, parent: CallNode | null): { reward: number | null; kept: boolean; threshold: number | null } | null {
  const start = node.start;
  const end = parent?.end;
  if (start.type !== "module_start" || start.step === undefined || node.name.endsWith(".feedback")) return null;
  if (end?.type !== "module_end" || !end.rewards) return null;
  return { reward: end.rewards[start.step - 1] ?? null, kept: end.kept === start.step, threshold: end.threshold ?? null };
}

/** A reward as a row shows it: whole numbers as they are, others to two places. */
export function formatReward(r: number): string {
  return Number.isInteger(r) ? String(r) : r.toFixed(2);
}

/** Tokens of the LM calls under a module, rolled up: "1.2k→340 tok · 3 LM calls". */
export function moduleStats(node: CallNode): { text: string; title: string } | null {
  if (node.kind !== "module") return null;
  const t = tokensUnder(node);
  if (t.calls === 0) return null;
  return {
    text: `${count(t.prompt)}→${count(t.completion)} tok`,
    title: `${t.prompt} prompt + ${t.completion} completion tokens over ${t.calls} LM call${t.calls > 1 ? "s" : ""} under this module`,
  };
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

