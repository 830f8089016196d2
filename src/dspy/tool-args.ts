// A tool's arguments as DSPy keeps them: a map from arg name to its JSON
// schema (what ReAct prints in its instructions), plus the checks DSPy's Tool
// makes before calling the function (dspy/adapters/types/tool.py): unknown
// args are refused, each value is validated against its schema with
// jsonschema's error texts, and nothing is coerced.
import { z } from "zod";
import { pythonRepr } from "./python-repr";

export type JsonSchema = { [key: string]: unknown };
/** Arg name → JSON schema of that arg (DSPy's `Tool.args`). */
export type ArgSchemas = Record<string, JsonSchema>;

/** Args can be declared as a zod object, a JSON schema of an object, or DSPy's name → schema map. */
export type ToolArgsDeclaration = z.ZodObject | JsonSchema;

export function isZodObject(value: unknown): value is z.ZodObject {
  return value instanceof z.ZodObject;
}

function isObjectSchema(value: JsonSchema): boolean {
  return value.type === "object" && typeof value.properties === "object" && value.properties !== null;
}

// zod marks z.number().int() with the safe-integer range; Python's int has no
// such bound and pydantic prints none, so neither do we.
const SAFE_INT_BOUNDS: Record<string, number> = {
  minimum: Number.MIN_SAFE_INTEGER,
  maximum: Number.MAX_SAFE_INTEGER,
};

const SUBSCHEMA_LISTS = new Set(["items", "prefixItems", "anyOf", "oneOf", "allOf"]);
const SUBSCHEMAS = new Set(["items", "additionalProperties", "not"]);

function isPlainObject(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function tidyChild(key: string, value: unknown): unknown {
  if (key === "properties" && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([name, s]) => [name, tidy(s as JsonSchema)]));
  }
  if (SUBSCHEMA_LISTS.has(key) && Array.isArray(value)) return value.map((s) => tidy(s as JsonSchema));
  if (SUBSCHEMAS.has(key) && isPlainObject(value)) return tidy(value);
  return value;
}

/** Key order as pydantic emits it for a parameter: the type first, then `default`, then `description`. */
function tidy(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  if ("type" in schema) out.type = schema.type;
  for (const [k, v] of Object.entries(schema)) {
    if (k === "$schema" || k === "type" || k === "default" || k === "description") continue;
    if (schema.type === "integer" && SAFE_INT_BOUNDS[k] === v) continue;
    out[k] = tidyChild(k, v);
  }
  if ("default" in schema) out.default = schema.default;
  if ("description" in schema) out.description = schema.description;
  return out;
}

export interface NormalizedArgs {
  schemas: ArgSchemas;
  required: string[];
}

/** Turns any accepted declaration into DSPy's name → schema map plus the required names. */
export function normalizeArgs(declaration: ToolArgsDeclaration | undefined): NormalizedArgs {
  if (declaration === undefined) return { schemas: {}, required: [] };
  const objectSchema: JsonSchema = isZodObject(declaration)
    ? (z.toJSONSchema(declaration, { io: "input", unrepresentable: "any" }) as JsonSchema)
    : isObjectSchema(declaration)
      ? declaration
      : { type: "object", properties: declaration, required: Object.keys(declaration) };
  const properties = (objectSchema.properties ?? {}) as Record<string, JsonSchema>;
  const schemas = Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, tidy(s)]));
  const declared = Array.isArray(objectSchema.required) ? (objectSchema.required as string[]) : [];
  // An arg with a default is never required, whatever the declaration says.
  const required = declared.filter((k) => k in schemas && !("default" in schemas[k]));
  return { schemas, required };
}

const TYPE_CHECKS: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  integer: (v) => typeof v === "number" && Number.isInteger(v),
  number: (v) => typeof v === "number",
  boolean: (v) => typeof v === "boolean",
  null: (v) => v === null,
  array: (v) => Array.isArray(v),
  object: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
};

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The first violation of `schema` by `value`, worded like Python's jsonschema
 * (`ValidationError.message`), or null when valid. Covers the keywords tools
 * use: type, enum, const, properties/required/additionalProperties, items,
 * anyOf/oneOf/allOf, numeric bounds, lengths, pattern.
 */
export function schemaViolation(value: unknown, schema: JsonSchema): string | null {
  const r = pythonRepr(value);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => TYPE_CHECKS[t]?.(value) ?? true)) {
      return `${r} is not of type ${types.map((t) => pythonRepr(t)).join(", ")}`;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => deepEqual(e, value))) {
    return `${r} is not one of ${pythonRepr(schema.enum)}`;
  }
  if ("const" in schema && !deepEqual(schema.const, value)) return `${pythonRepr(schema.const)} was expected`;
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) {
      return `${r} is less than the minimum of ${pythonRepr(schema.minimum)}`;
    }
    if (typeof schema.maximum === "number" && value > schema.maximum) {
      return `${r} is greater than the maximum of ${pythonRepr(schema.maximum)}`;
    }
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) {
      return `${r} is less than or equal to the minimum of ${pythonRepr(schema.exclusiveMinimum)}`;
    }
    if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) {
      return `${r} is greater than or equal to the maximum of ${pythonRepr(schema.exclusiveMaximum)}`;
    }
  }
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && [...value].length < schema.minLength) return `${r} is too short`;
    if (typeof schema.maxLength === "number" && [...value].length > schema.maxLength) return `${r} is too long`;
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) {
      return `${r} does not match ${pythonRepr(schema.pattern)}`;
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) return `${r} is too short`;
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) return `${r} is too long`;
    if (schema.items && typeof schema.items === "object" && !Array.isArray(schema.items)) {
      for (const item of value) {
        const inner = schemaViolation(item, schema.items as JsonSchema);
        if (inner) return inner;
      }
    }
  }
  if (isPlainObject(value)) {
    const obj = value as Record<string, unknown>;
    for (const name of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
      if (!(name in obj)) return `${pythonRepr(name)} is a required property`;
    }
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const [k, v] of Object.entries(obj)) {
      if (k in properties) {
        const inner = schemaViolation(v, properties[k]);
        if (inner) return inner;
      } else if (schema.additionalProperties === false) {
        return `Additional properties are not allowed (${pythonRepr(k)} was unexpected)`;
      } else if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
        const inner = schemaViolation(v, schema.additionalProperties as JsonSchema);
        if (inner) return inner;
      }
    }
  }
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s) => schemaViolation(value, s as JsonSchema) === null)) {
    return `${r} is not valid under any of the given schemas`;
  }
  if (Array.isArray(schema.oneOf)) {
    const matches = schema.oneOf.filter((s) => schemaViolation(value, s as JsonSchema) === null).length;
    if (matches === 0) return `${r} is not valid under any of the given schemas`;
    if (matches > 1) return `${r} is valid under each of ${pythonRepr(schema.oneOf)}`;
  }
  if (Array.isArray(schema.allOf)) {
    for (const s of schema.allOf) {
      const inner = schemaViolation(value, s as JsonSchema);
      if (inner) return inner;
    }
  }
  return null;
}
