// The demo LM's ProgramOfThought code: plain JavaScript that computes the
// answer and hands it over with SUBMIT({...}), as the instructions ask.
import { computed, fact } from "./knowledge";

/** `sqrt(16) ^ 2` → `Math.sqrt(16) ** 2`. */
function toJs(expression: string): string {
  return expression
    .replace(/\^/g, "**")
    .replace(/\b(sqrt|abs|round|floor|ceil|sin|cos|tan|exp|min|max|pow|log2)\b/g, "Math.$1")
    .replace(/\bln\(/g, "Math.log(")
    .replace(/\blog\(/g, "Math.log10(")
    .replace(/\bpi\b/g, "Math.PI");
}

const STATISTICS: Record<string, string> = {
  sum: "numbers.reduce((a, b) => a + b, 0)",
  mean: "numbers.reduce((a, b) => a + b, 0) / numbers.length",
  median: "(() => { const s = [...numbers].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; })()",
  max: "Math.max(...numbers)",
  min: "Math.min(...numbers)",
};

/** A list of numbers and a statistic among the inputs (`numbers: list[float], statistic: Literal[…]`), if any. */
export function statisticOf(values: Record<string, string>): { numbers: string; statistic: string; scale: string | null } | null {
  let numbers: string | null = null;
  let statistic: string | null = null;
  let scale: string | null = null;
  for (const [name, raw] of Object.entries(values)) {
    const text = raw.trim();
    if (/^\[\s*-?[\d.]/.test(text)) {
      try {
        const list = JSON.parse(text);
        if (Array.isArray(list) && list.length && list.every((n) => typeof n === "number")) numbers = JSON.stringify(list);
      } catch {
        // not a JSON list of numbers
      }
    } else if (text.toLowerCase() in STATISTICS) statistic = text.toLowerCase();
    else if (/scale|factor|multiplier/.test(name) && Number.isFinite(Number(text))) scale = text;
  }
  return numbers && statistic ? { numbers, statistic, scale } : null;
}

export function writeCode(question: string, submitFields: string[], previousError?: string, values: Record<string, string> = {}): string {
  const fields = submitFields.length > 0 ? submitFields : ["answer"];
  const expr = computed(question);
  const stat = statisticOf(values);
  const lines = [`// ${previousError ? "Fixed after an error; " : ""}offline demo LM: compute the answer in JavaScript.`];
  if (stat) {
    lines.push(`const numbers = ${stat.numbers};`);
    lines.push(`const result = ${STATISTICS[stat.statistic]}${stat.scale !== null && Number(stat.scale) !== 1 ? ` * ${stat.scale}` : ""};`);
    lines.push(`const rounded = Number(result.toPrecision(12));`);
  } else if (expr) {
    lines.push(`const result = ${toJs(expr.expression)};`);
    lines.push(`const rounded = Number.isInteger(result) ? result : Number(result.toPrecision(12));`);
  } else {
    const known = fact(question);
    const text = known ? known.sentence : `No computation needed for: ${question}`;
    lines.push(`const rounded = ${JSON.stringify(text)};`);
  }
  lines.push(`SUBMIT({ ${fields.map((f) => `${f}: rounded`).join(", ")} });`);
  return lines.join("\n");
}

/** The final outputs the code must SUBMIT, from ProgramOfThought's instructions. */
export function submitFieldsFrom(instructions: string): string[] {
  const m = /value mapping for the field\(s\): ([^\n]*)\./.exec(instructions);
  return m ? [...m[1].matchAll(/`(\w+)`/g)].map((x) => x[1]) : [];
}
