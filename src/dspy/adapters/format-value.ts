// How DSPy renders values and field declarations into prompt text
// (dspy/adapters/utils.py: format_field_value, translate_field_type,
// get_field_description_string).
import { fieldDescription, type Field } from "../signature";
import { dumpPromptJsonSchema, numberHint, type TypeSpec } from "../types";
import { pyJsonDumps, pyStr, pyStrip } from "./python-text";

/** What pydantic's dump_python(mode="json") would make of a JS value. */
export function toJsonable(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonable(v)]));
  if (value instanceof Set) return [...value].map(toJsonable);
  if (Array.isArray(value)) return value.map(toJsonable);
  if (typeof value === "object" && value !== null) {
    const withToJSON = value as { toJSON?: () => unknown };
    if (typeof withToJSON.toJSON === "function") return toJsonable(withToJSON.toJSON());
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonable(v)]));
  }
  return value;
}

/** «text», or a «««-fenced indented block when the text has newlines or guillemets. */
function formatBlob(blob: string): string {
  if (!blob.includes("\n") && !blob.includes("«") && !blob.includes("»")) return `«${blob}»`;
  return `«««\n    ${blob.replaceAll("\n", "\n    ")}\n»»»`;
}

/** A list given to a str field: one «item», or numbered `[i] «item»` lines; empty → N/A. */
function formatListForText(items: unknown[]): string {
  if (items.length === 0) return "N/A";
  const text = (item: unknown) => (typeof item === "string" ? item : pyStr(toJsonable(item)));
  if (items.length === 1) return formatBlob(text(items[0]));
  return items.map((item, i) => `[${i + 1}] ${formatBlob(text(item))}`).join("\n");
}

/**
 * A field's value as DSPy writes it: strings as is, lists and objects as JSON
 * (", " / ": " separators, non-ASCII kept), scalars as Python's str() (True, None, 1.0).
 */
export function formatFieldValue(field: { type: TypeSpec }, value: unknown): string {
  if (Array.isArray(value) && field.type.kind === "str") return formatListForText(value);
  const jsonable = toJsonable(value);
  const hint = numberHint(field.type);
  if (typeof jsonable === "object" && jsonable !== null) return pyJsonDumps(jsonable, { hint });
  return pyStr(jsonable, hint);
}

/** The placeholder DSPy shows for a field in the structure block, with its type note for outputs. */
export function translateFieldType(field: Field): string {
  const type = field.type;
  let note = "";
  if (field.kind === "input" || type.kind === "str") note = "";
  else if (type.kind === "bool") note = "must be True or False";
  else if (type.kind === "int" || type.kind === "float") note = `must be a single ${type.kind} value`;
  else if (type.kind === "literal")
    note = `must exactly match (no extra characters) one of: ${type.values.map((v) => pyStr(v)).join("; ")}`;
  else note = `must adhere to the JSON schema: ${dumpPromptJsonSchema(type)}`;
  return `{${field.name}}${note ? `${" ".repeat(8)}# note: the value you produce ${note}` : ""}`;
}

/** "1. `question` (str): desc" lines (get_field_description_string). */
export function describeFields(fields: readonly Field[]): string {
  const lines = fields.map((f, i) => `${i + 1}. \`${f.name}\` (${f.typeName}): ${fieldDescription(f)}`);
  return pyStrip(lines.join("\n"));
}

/** " (must be formatted as a valid Python int)" for non-str outputs in the user-message reminder. */
export function outputTypeInfo(field: Field): string {
  return field.type.kind === "str" ? "" : ` (must be formatted as a valid Python ${field.typeName})`;
}
