// Which control a signature field gets, from its JSON schema when there is one,
// else from its DSPy-style annotation ("int", "list[str]", "Literal['a', 'b']", "Optional[…]").
import type { FieldInfo, JsonSchema } from "./types";

export type FieldKind =
  | { kind: "text" }
  | { kind: "int" }
  | { kind: "float" }
  | { kind: "bool" }
  | { kind: "select"; options: (string | number | boolean)[] }
  | { kind: "json"; shape: "list" | "dict" | "any" };

export interface FieldControl {
  field: FieldInfo;
  control: FieldKind;
  optional: boolean;
}

export function fieldControl(field: FieldInfo): FieldControl {
  const fromSchema = field.schema ? kindFromSchema(field.schema) : null;
  const fromType = kindFromType(field.type);
  return {
    field,
    control: fromSchema?.control ?? fromType.control,
    optional: Boolean(field.optional) || (fromSchema?.optional ?? false) || fromType.optional,
  };
}

function kindFromSchema(schema: JsonSchema): { control: FieldKind; optional: boolean } | null {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const nonNull = variants.filter((v) => v.type !== "null");
    const inner = nonNull.length === 1 ? kindFromSchema(nonNull[0]) : null;
    const optional = nonNull.length < variants.length;
    if (inner) return { control: inner.control, optional: optional || inner.optional };
    if (nonNull.every((v) => "const" in v)) {
      return { control: { kind: "select", options: nonNull.map((v) => v.const as string) }, optional };
    }
    return { control: { kind: "json", shape: "any" }, optional };
  }
  if (Array.isArray(schema.enum)) {
    return { control: { kind: "select", options: schema.enum as (string | number)[] }, optional: false };
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const optional = types.includes("null");
  const type = types.find((t) => t !== "null");
  const control: FieldKind | null =
    type === "string"
      ? { kind: "text" }
      : type === "integer"
        ? { kind: "int" }
        : type === "number"
          ? { kind: "float" }
          : type === "boolean"
            ? { kind: "bool" }
            : type === "array"
              ? { kind: "json", shape: "list" }
              : type === "object"
                ? { kind: "json", shape: "dict" }
                : null;
  return control ? { control, optional } : null;
}

function kindFromType(annotation: string): { control: FieldKind; optional: boolean } {
  let t = annotation.trim();
  let optional = false;
  const opt = /^Optional\[(.*)\]$/s.exec(t);
  if (opt) {
    t = opt[1].trim();
    optional = true;
  } else if (/\|\s*None$/.test(t)) {
    t = t.replace(/\|\s*None$/, "").trim();
    optional = true;
  }
  const literal = /^Literal\[(.*)\]$/s.exec(t);
  if (literal) return { control: { kind: "select", options: parseLiteralOptions(literal[1]) }, optional };
  const base = t.toLowerCase();
  if (base === "str" || base === "string") return { control: { kind: "text" }, optional };
  if (base === "int") return { control: { kind: "int" }, optional };
  if (base === "float") return { control: { kind: "float" }, optional };
  if (base === "bool") return { control: { kind: "bool" }, optional };
  if (/^(list|tuple|set)\b/.test(base)) return { control: { kind: "json", shape: "list" }, optional };
  if (/^dict\b/.test(base)) return { control: { kind: "json", shape: "dict" }, optional };
  return { control: { kind: "json", shape: "any" }, optional };
}

/** `'a', "b", 3, True` → ["a", "b", 3, true] */
export function parseLiteralOptions(inner: string): (string | number | boolean)[] {
  const out: (string | number | boolean)[] = [];
  const re = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^,]+))\s*(?:,|$)/gy;
  for (let m = re.exec(inner); m && m[0] !== ""; m = re.exec(inner)) {
    if (m[1] !== undefined) out.push(m[1].replace(/\\(.)/g, "$1"));
    else if (m[2] !== undefined) out.push(m[2].replace(/\\(.)/g, "$1"));
    else {
      const bare = m[3].trim();
      if (bare === "True" || bare === "False") out.push(bare === "True");
      else if (bare !== "" && Number.isFinite(Number(bare))) out.push(Number(bare));
      else out.push(bare);
    }
  }
  return out;
}
