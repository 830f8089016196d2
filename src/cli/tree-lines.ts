// How each call of the tree reads as a line: the same words for the live view, the final tree and
// the plain log, so all three say the same thing.
import type { Line, Piece } from "./text";
import { callArgs, duration, oneLine } from "./text";
import type { CallNode } from "./tree";

function timing(node: CallNode, now: number): Piece[] {
  if (node.ended) return node.durationMs === null ? [] : [["  " + duration(node.durationMs), "dim"]];
  return [["  " + duration(now - node.seenAt) + "…", "yellow"]];
}

function failure(node: CallNode): Piece[] {
  return node.error ? [["  ✗ " + `${node.error.type}: ${oneLine(node.error.message, 200)}`, "red"]] : [];
}

function mark(node: CallNode): Piece {
  if (!node.ended) return ["◌ ", "yellow"];
  return node.error ? ["✗ ", "red"] : ["✓ ", "green"];
}

/** `step 2/6` on a repeated module; `kept 2 · rewards 0.5, 1` on a BestOfN/Refine. */
function steps(node: CallNode): Piece[] {
  const out: Piece[] = [];
  if (node.step !== null) out.push(["  step " + node.step + (node.stepOf !== null ? `/${node.stepOf}` : ""), "cyan"]);
  if (node.rewards !== null) {
    const rewards = node.rewards.map((r) => (r === null ? "✗" : String(Math.round(r * 1000) / 1000))).join(", ");
    out.push(["  " + (node.kept !== null ? `kept ${node.kept} · ` : "none kept · ") + `rewards ${rewards}`, "cyan"]);
  }
  return out;
}

/** One call as one line (without the tree guides in front of it). */
export function callLine(node: CallNode, now: number): Line {
  switch (node.kind) {
    case "module":
      return [mark(node), [node.name, "bold"], ["  " + node.detail, "dim"], ...steps(node), ...timing(node, now), ...failure(node)];
    case "lm": {
      const usage = node.usage ? [["  " + `${node.usage.prompt_tokens}→${node.usage.completion_tokens} tok`, "cyan"] as Piece] : [];
      const streaming = !node.ended && node.text ? [["  " + `${node.text.length} chars`, "dim"] as Piece] : [];
      return [mark(node), ["lm ", "magenta"], node.detail, ...usage, ...(node.cached ? [["  cached", "dim"] as Piece] : []), ...streaming, ...timing(node, now), ...failure(node)];
    }
    case "tool": {
      const result: Piece[] = node.ended && !node.error ? [["  → ", "dim"], oneLine(node.result, 100)] : [];
      return [mark(node), ["tool ", "blue"], [node.detail, "bold"], ["(" + callArgs(node.args) + ")", "dim"], ...result, ...timing(node, now), ...failure(node)];
    }
    default:
      return [mark(node), [node.kind === "format" ? "format " : "parse ", "dim"], node.detail, ...timing(node, now), ...failure(node)];
  }
}

/** ChatAdapter's `[[ ## field ## ]]` markers read as `field:`; the closing `completed` marker goes. */
export function readable(text: string): string {
  return text.replace(/\[\[ ## completed ## \]\]/g, "").replace(/\[\[ ## (\w+) ## \]\]/g, "$1:");
}

/** An LM call's text: its last `max` non-empty lines (the tail is what is streaming). */
export function textTail(text: string, max: number): string[] {
  const lines = readable(text).split("\n").map((l) => l.trimEnd()).filter((l) => l.trim() !== "");
  return lines.slice(-max);
}
