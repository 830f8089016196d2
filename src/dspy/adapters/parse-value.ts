// Turning an LM's text for one field into a typed value, as DSPy's parse_value:
// str fields take the text as is; Literal fields accept the value wrapped in
// quotes or `Literal[...]`; everything else is read as JSON (repaired), then as
// a Python literal, then validated leniently the way pydantic's lax mode does
// ("4" → 4, "True" → true, 4.0 → 4, "yes" → true for bools).
import { ValueError } from "../errors";
import { allowsNone, typeName, type LiteralValue, type TypeSpec } from "../types";
import { pythonRepr } from "../python-repr";
import { repairJson } from "./json-repair";
import { literalEval } from "./python-literal";
import { pyStr, pyStrip } from "./python-text";

/** A value the LM wrote does not fit its field's type (pydantic's ValidationError, Literal's ValueError). */
export class ValueConversionError extends ValueError {
  override name = "ValueConversionError";
}

function fail(message: string, value: unknown): never {
  throw new ValueConversionError(`${message} [input_value=${pythonRepr(value)}]`);
}

const PY_INT = /^[+-]?\d+(_\d+)*$/;
const PY_FLOAT = /^[+-]?((\d+(_\d+)*)?\.?\d*(_\d+)*([eE][+-]?\d+)?|inf|infinity|nan)$/i;
const TRUE_WORDS = new Set(["1", "on", "t", "true", "y", "yes"]);
const FALSE_WORDS = new Set(["0", "off", "f", "false", "n", "no"]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Exact-type match, as pydantic's smart union tries first. */
function isExact(type: TypeSpec, value: unknown): boolean {
  switch (type.kind) {
    case "str":
      return typeof value === "string";
    case "int":
      return typeof value === "number" && Number.isInteger(value);
    case "float":
      return typeof value === "number";
    case "bool":
      return typeof value === "boolean";
    case "none":
      return value === null;
    case "literal":
      return type.values.includes(value as LiteralValue);
    default:
      return false;
  }
}

function pyFloatFromText(text: string, original: unknown): number {
  const t = text.trim();
  if (!PY_FLOAT.test(t) || !/\d|inf|nan/i.test(t)) fail("Input should be a valid number, unable to parse string as a number", original);
  const lower = t.toLowerCase().replace(/^\+/, "");
  if (lower.endsWith("nan")) return NaN;
  if (lower.endsWith("inf") || lower.endsWith("infinity")) return lower.startsWith("-") ? -Infinity : Infinity;
  return Number(t.replaceAll("_", ""));
}

/** pydantic's lax validation of an already-decoded value against a type. */
export function coerceValue(type: TypeSpec, value: unknown): unknown {
  switch (type.kind) {
    case "any":
      return value;
    case "str":
      if (typeof value !== "string") fail("Input should be a valid string", value);
      return value;
    case "none":
      if (value !== null) fail("Input should be None", value);
      return null;
    case "int": {
      if (typeof value === "boolean") return value ? 1 : 0;
      if (typeof value === "number") {
        if (!Number.isFinite(value) || !Number.isInteger(value))
          fail("Input should be a valid integer, got a number with a fractional part", value);
        return value;
      }
      if (typeof value === "string") {
        const t = value.trim();
        if (PY_INT.test(t)) return Number(t.replaceAll("_", ""));
        const n = /^[+-]?\d+(_\d+)*\.0*$/.test(t) ? Number(t.replaceAll("_", "")) : NaN;
        if (Number.isInteger(n)) return n;
        fail("Input should be a valid integer, unable to parse string as an integer", value);
      }
      return fail("Input should be a valid integer", value);
    }
    case "float":
      if (typeof value === "boolean") return value ? 1 : 0;
      if (typeof value === "number") return value;
      if (typeof value === "string") return pyFloatFromText(value, value);
      return fail("Input should be a valid number", value);
    case "bool":
      if (typeof value === "boolean") return value;
      if (value === 0 || value === 1) return value === 1;
      if (typeof value === "string") {
        const t = value.trim().toLowerCase();
        if (TRUE_WORDS.has(t)) return true;
        if (FALSE_WORDS.has(t)) return false;
        fail("Input should be a valid boolean, unable to interpret input", value);
      }
      return fail("Input should be a valid boolean", value);
    case "literal":
      if (type.values.includes(value as LiteralValue)) return value;
      return fail(`Input should be ${type.values.map((v) => pythonRepr(v)).join(" or ")}`, value);
    case "list": {
      if (!Array.isArray(value)) fail("Input should be a valid list", value);
      const items = type.items;
      if (!items) return value;
      return (value as unknown[]).map((item, i) => {
        try {
          return coerceValue(items, item);
        } catch (error) {
          throw new ValueConversionError(`[${i}]: ${(error as Error).message}`);
        }
      });
    }
    case "dict": {
      if (!isPlainObject(value)) fail("Input should be a valid dictionary", value);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        try {
          if (type.key && type.key.kind !== "str" && type.key.kind !== "any") coerceValue(type.key, k);
          out[k] = type.value ? coerceValue(type.value, v) : v;
        } catch (error) {
          throw new ValueConversionError(`[${pythonRepr(k)}]: ${(error as Error).message}`);
        }
      }
      return out;
    }
    case "union": {
      const exact = type.options.find((o) => isExact(o, value));
      if (exact) return coerceValue(exact, value);
      const errors: string[] = [];
      for (const option of type.options) {
        try {
          return coerceValue(option, value);
        } catch (error) {
          errors.push(`${typeName(option)}: ${(error as Error).message}`);
        }
      }
      throw new ValueConversionError(`no member of ${typeName(type)} accepts the value: ${errors.join("; ")}`);
    }
  }
}

/** Python's `value in allowed`, where 1 == True == 1.0. */
function literalMember(values: LiteralValue[], value: unknown): boolean {
  return values.some((v) => v === value || (typeof v !== "string" && typeof value !== "string" && Number(v) === Number(value) && v !== null && value !== null));
}

/** DSPy's parse_value: an LM's value (text from ChatAdapter, any JSON from JSONAdapter) → the field's type. */
export function parseValue(value: unknown, type: TypeSpec): unknown {
  if (type.kind === "str") return pyStr(value);
  if (type.kind === "literal") {
    if (literalMember(type.values, value)) return value;
    if (typeof value === "string") {
      let v = pyStrip(value);
      if ((v.startsWith("Literal[") || v.startsWith("str[")) && v.endsWith("]")) v = v.slice(v.indexOf("[") + 1, -1);
      if (v.length > 1 && v[0] === v[v.length - 1] && (v[0] === '"' || v[0] === "'")) v = v.slice(1, -1);
      if (type.values.includes(v)) return v;
    }
    throw new ValueConversionError(`${pythonRepr(value)} is not one of (${type.values.map((v) => pythonRepr(v)).join(", ")}${type.values.length === 1 ? "," : ""})`);
  }
  if (typeof value !== "string") return coerceValue(type, value);
  // Optional[str]-like unions keep the raw text ("None" stays a string).
  if (type.kind === "union" && allowsNone(type) && type.options.some((o) => o.kind === "str")) return coerceValue(type, value);
  let candidate = repairJson(value);
  if (candidate === "" && value !== "") {
    try {
      candidate = literalEval(value);
    } catch {
      candidate = value;
    }
  }
  return coerceValue(type, candidate);
}
