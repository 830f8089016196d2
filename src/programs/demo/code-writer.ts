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

export function writeCode(question: string, submitFields: string[], previousError?: string): string {
  const fields = submitFields.length > 0 ? submitFields : ["answer"];
  const expr = computed(question);
  const lines = [`// ${previousError ? "Fixed after an error; " : ""}offline demo LM: compute the answer in JavaScript.`];
  if (expr) {
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
