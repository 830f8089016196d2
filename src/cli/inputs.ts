// `key=value` arguments → a program's inputs, read the way the web form reads its controls: numbers for
// int/float fields, true/false for bool, one of the options for Literal, JSON for lists, dicts and Any,
// text as is. The control per field comes from the same function the form uses (ui/field-kind).
import type { FieldInfo } from "../server/program-info";
import { fieldControl, type FieldControl } from "../ui/field-kind";
import { CliError } from "./errors";

const TRUE = new Set(["true", "yes", "y", "1", "on"]);
const FALSE = new Set(["false", "no", "n", "0", "off"]);

/** One field's value from its text, or the reason it cannot be one. */
export function readValue(spec: FieldControl, raw: string): { value: unknown } | { error: string } {
  const { control } = spec;
  switch (control.kind) {
    case "int": {
      const n = Number(raw.trim());
      if (raw.trim() === "" || !Number.isInteger(n)) return { error: `expected a whole number, got "${raw}"` };
      return { value: n };
    }
    case "float": {
      const n = Number(raw.trim());
      if (raw.trim() === "" || !Number.isFinite(n)) return { error: `expected a number, got "${raw}"` };
      return { value: n };
    }
    case "bool": {
      const word = raw.trim().toLowerCase();
      if (TRUE.has(word)) return { value: true };
      if (FALSE.has(word)) return { value: false };
      return { error: `expected true or false, got "${raw}"` };
    }
    case "select": {
      const match = control.options.find((o) => String(o) === raw);
      if (match === undefined) return { error: `expected one of ${control.options.map((o) => JSON.stringify(o)).join(", ")}, got "${raw}"` };
      return { value: match };
    }
    case "json": {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (e) {
        // Any-typed fields take plain text too, as a string.
        if (control.shape === "any") return { value: raw };
        return { error: `invalid JSON (${e instanceof Error ? e.message : String(e)})` };
      }
      if (control.shape === "list" && !Array.isArray(value)) return { error: `expected a JSON array, like '["a", "b"]'` };
      if (control.shape === "dict" && (typeof value !== "object" || value === null || Array.isArray(value))) {
        return { error: `expected a JSON object, like '{"key": "value"}'` };
      }
      return { value };
    }
    default:
      return { value: raw };
  }
}

/**
 * Parses `key=value` pairs against the program's input fields. Every problem is reported at once,
 * each with the field's type, so one correction fixes them all.
 */
export function parseInputs(program: string, fields: readonly FieldInfo[], pairs: readonly string[]): Record<string, unknown> {
  const byName = new Map(fields.map((f) => [f.name, fieldControl(f)]));
  const inputs: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      problems.push(`"${pair}" is not key=value`);
      continue;
    }
    const key = pair.slice(0, eq);
    const spec = byName.get(key);
    if (!spec) {
      problems.push(`${key}: ${program} has no input "${key}"`);
      continue;
    }
    if (key in inputs) {
      problems.push(`${key}: given twice`);
      continue;
    }
    const result = readValue(spec, pair.slice(eq + 1));
    if ("error" in result) problems.push(`${key} (${spec.field.type}): ${result.error}`);
    else inputs[key] = result.value;
  }
  if (problems.length) {
    throw new CliError(`Bad input for ${program}:\n${problems.map((p) => `  ${p}`).join("\n")}\n${usageOf(program, fields)}`);
  }
  return inputs;
}

/** `question=<str> [context=<list[str]>]`: what the program takes. */
export function usageOf(program: string, fields: readonly FieldInfo[]): string {
  const args = fields.map((f) => {
    const part = `${f.name}=<${f.type}>`;
    return f.optional ? `[${part}]` : part;
  });
  return `Usage: dspy-edge call ${program} ${args.join(" ")}`.trimEnd();
}
