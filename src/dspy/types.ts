// Field types as DSPy sees them. A type is written Python-style
// ("list[str]", "Literal['a', 'b']", "Optional[int]") or given as a zod schema;
// either way it becomes a TypeSpec, from which everything else is derived:
// the name DSPy prints, the zod schema that validates values, and the JSON
// schema DSPy embeds in prompts (pydantic's, with "type" moved first).
import { z } from "zod";
import { NO_HINT, pyJsonDumps, type NumberHint } from "./adapters/python-text";
import { pythonRepr } from "./python-repr";

export type LiteralValue = string | number | boolean | null;

export type TypeSpec =
  | { kind: "str" | "int" | "float" | "bool" | "any" | "none" }
  | { kind: "list"; items?: TypeSpec }
  | { kind: "dict"; key?: TypeSpec; value?: TypeSpec }
  | { kind: "literal"; values: LiteralValue[] }
  | { kind: "union"; options: TypeSpec[] };

export type TypeKind = TypeSpec["kind"];

export class TypeParseError extends Error {
  override name = "TypeParseError";
}

export const T = {
  str: { kind: "str" },
  int: { kind: "int" },
  float: { kind: "float" },
  bool: { kind: "bool" },
  any: { kind: "any" },
  none: { kind: "none" },
  list: (items: TypeSpec): TypeSpec => ({ kind: "list", items }),
  dict: (key: TypeSpec, value: TypeSpec): TypeSpec => ({ kind: "dict", key, value }),
  literal: (...values: LiteralValue[]): TypeSpec => ({ kind: "literal", values }),
  optional: (inner: TypeSpec): TypeSpec => union([inner, { kind: "none" }]),
} as const satisfies Record<string, TypeSpec | ((...args: never[]) => TypeSpec)>;

const TYPE_KINDS: ReadonlySet<string> = new Set<TypeKind>(["str", "int", "float", "bool", "any", "none", "list", "dict", "literal", "union"]);

export function isTypeSpec(value: unknown): value is TypeSpec {
  return typeof value === "object" && value !== null && TYPE_KINDS.has((value as { kind?: unknown }).kind as string);
}

/** typing.Union semantics: nested unions flatten, duplicates go, a single member is itself. */
export function union(options: TypeSpec[]): TypeSpec {
  const flat: TypeSpec[] = [];
  for (const option of options) {
    for (const member of option.kind === "union" ? option.options : [option]) {
      if (!flat.some((seen) => sameType(seen, member))) flat.push(member);
    }
  }
  return flat.length === 1 ? flat[0] : { kind: "union", options: flat };
}

export function sameType(a: TypeSpec, b: TypeSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** True for Optional[...] and anything else that admits None (DSPy's annotation_allows_none). */
export function allowsNone(type: TypeSpec): boolean {
  if (type.kind === "none") return true;
  if (type.kind === "union") return type.options.some(allowsNone);
  if (type.kind === "literal") return type.values.includes(null);
  return false;
}

// ---------------------------------------------------------------- parsing

type Token =
  | { t: "name"; v: string }
  | { t: "const"; v: LiteralValue }
  | { t: "punct"; v: "[" | "]" | "," | "|" };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (/\s/.test(ch)) {
      i++;
    } else if ("[],|".includes(ch)) {
      tokens.push({ t: "punct", v: ch as "[" });
      i++;
    } else if (ch === "'" || ch === '"') {
      let j = i + 1;
      let text = "";
      while (j < source.length && source[j] !== ch) {
        if (source[j] === "\\" && j + 1 < source.length) {
          const esc = source[j + 1];
          text += esc === "n" ? "\n" : esc === "t" ? "\t" : esc;
          j += 2;
        } else text += source[j++];
      }
      if (j >= source.length) throw new TypeParseError(`unterminated string in type \`${source}\``);
      tokens.push({ t: "const", v: text });
      i = j + 1;
    } else if (/[-+\d.]/.test(ch)) {
      const m = /^[-+]?(\d[\d_]*)?(\.\d*)?([eE][-+]?\d+)?/.exec(source.slice(i))!;
      if (!m[0] || !/\d/.test(m[0])) throw new TypeParseError(`unexpected \`${ch}\` in type \`${source}\``);
      tokens.push({ t: "const", v: Number(m[0].replaceAll("_", "")) });
      i += m[0].length;
    } else if (/[\p{L}_]/u.test(ch)) {
      const m = /^[\p{L}\p{N}_]+(\.[\p{L}\p{N}_]+)*/u.exec(source.slice(i))!;
      tokens.push({ t: "name", v: m[0] });
      i += m[0].length;
    } else {
      throw new TypeParseError(`unexpected \`${ch}\` in type \`${source}\``);
    }
  }
  return tokens;
}

const SCALARS: Record<string, TypeSpec> = {
  str: T.str,
  int: T.int,
  float: T.float,
  bool: T.bool,
  Any: T.any,
  None: T.none,
  NoneType: T.none,
};
const GENERICS = ["list", "List", "dict", "Dict", "Literal", "Optional", "Union"];
const SUPPORTED = "str, int, float, bool, Any, list[T], dict[K, V], Literal[...], Optional[T], Union[...], T | None";

class TypeParser {
  private pos = 0;
  private readonly tokens: Token[];
  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  parse(): TypeSpec {
    if (this.tokens.length === 0) throw new TypeParseError("empty type");
    const type = this.type();
    if (this.pos < this.tokens.length) throw this.error("unexpected trailing text");
    return type;
  }

  private error(what: string): TypeParseError {
    return new TypeParseError(`${what} in type \`${this.source}\``);
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private eat(v: "[" | "]" | "," | "|"): boolean {
    const tok = this.peek();
    if (tok?.t === "punct" && tok.v === v) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expect(v: "[" | "]"): void {
    if (!this.eat(v)) throw this.error(`expected \`${v}\``);
  }

  private type(): TypeSpec {
    const options = [this.atom()];
    while (this.eat("|")) options.push(this.atom());
    return options.length === 1 ? options[0] : union(options);
  }

  private args(): TypeSpec[] {
    this.expect("[");
    const args = [this.type()];
    while (this.eat(",")) {
      if (this.peek()?.t === "punct" && this.peek()?.v === "]") break;
      args.push(this.type());
    }
    this.expect("]");
    return args;
  }

  private literalArgs(): LiteralValue[] {
    this.expect("[");
    const values: LiteralValue[] = [];
    do {
      if (this.peek()?.t === "punct" && this.peek()?.v === "]") break;
      const tok = this.tokens[this.pos++];
      if (tok?.t === "const") values.push(tok.v);
      else if (tok?.t === "name" && ["True", "False", "None"].includes(tok.v))
        values.push(tok.v === "None" ? null : tok.v === "True");
      else throw this.error("Literal values must be strings, numbers, True, False or None");
    } while (this.eat(","));
    this.expect("]");
    if (values.length === 0) throw this.error("Literal needs at least one value");
    return values;
  }

  private atom(): TypeSpec {
    const tok = this.tokens[this.pos++];
    if (!tok) throw this.error("missing type");
    if (tok.t !== "name") throw this.error(`expected a type name, got ${pythonRepr(tok.v)}`);
    // typing.List / t.Optional: only the last part names the type.
    const name = tok.v.split(".").pop()!;
    const hasArgs = this.peek()?.t === "punct" && this.peek()?.v === "[";
    if (name in SCALARS) {
      if (hasArgs) throw this.error(`\`${name}\` takes no parameters`);
      return SCALARS[name];
    }
    if (!GENERICS.includes(name)) throw this.error(`unknown type \`${tok.v}\` (supported: ${SUPPORTED})`);
    if (name === "Literal") return { kind: "literal", values: this.literalArgs() };
    if (!hasArgs) {
      if (name === "list" || name === "List") return { kind: "list" };
      if (name === "dict" || name === "Dict") return { kind: "dict" };
      throw this.error(`\`${name}\` needs parameters`);
    }
    const args = this.args();
    switch (name) {
      case "list":
      case "List":
        if (args.length !== 1) throw this.error("list takes exactly one parameter");
        return { kind: "list", items: args[0] };
      case "dict":
      case "Dict":
        if (args.length !== 2) throw this.error("dict takes exactly two parameters");
        return { kind: "dict", key: args[0], value: args[1] };
      case "Optional":
        if (args.length !== 1) throw this.error("Optional must have exactly one type argument");
        return T.optional(args[0]);
      default:
        return union(args);
    }
  }
}

/** Parses a Python-style annotation: `list[str]`, `dict[str, Any]`, `Literal['a', 'b']`, `Optional[int]`, `int | None`. */
export function parseType(source: string): TypeSpec {
  return new TypeParser(source).parse();
}

// ---------------------------------------------------------------- printing

/** DSPy's _quoted_string_for_literal_type_annotation. */
function quoteLiteral(s: string): string {
  const single = s.includes("'");
  const double = s.includes('"');
  if (single && !double) return `"${s}"`;
  if (single && double) return `'${s.replaceAll("'", "\\'")}'`;
  return `'${s}'`;
}

/** The name DSPy prints for a type (get_annotation_name): `list[str]`, `Union[int, NoneType]`. */
export function typeName(type: TypeSpec): string {
  switch (type.kind) {
    case "str":
    case "int":
    case "float":
    case "bool":
      return type.kind;
    case "any":
      return "Any";
    case "none":
      return "NoneType";
    case "list":
      return type.items ? `list[${typeName(type.items)}]` : "list";
    case "dict":
      return type.key && type.value ? `dict[${typeName(type.key)}, ${typeName(type.value)}]` : "dict";
    case "literal":
      return `Literal[${type.values.map((v) => (typeof v === "string" ? quoteLiteral(v) : pythonRepr(v))).join(", ")}]`;
    case "union":
      return `Union[${type.options.map(typeName).join(", ")}]`;
  }
}

// ---------------------------------------------------------------- JSON schema (pydantic's)

export type JsonSchema = { [key: string]: unknown };

function literalJsonType(values: LiteralValue[]): string | undefined {
  const types = new Set(
    values.map((v) =>
      v === null ? "null" : typeof v === "string" ? "string" : typeof v === "boolean" ? "boolean" : Number.isInteger(v) ? "integer" : "number",
    ),
  );
  return types.size === 1 ? [...types][0] : undefined;
}

/** The JSON schema pydantic's TypeAdapter(type).json_schema() gives (key order as pydantic writes it). */
export function pydanticJsonSchema(type: TypeSpec): JsonSchema {
  switch (type.kind) {
    case "str":
      return { type: "string" };
    case "int":
      return { type: "integer" };
    case "float":
      return { type: "number" };
    case "bool":
      return { type: "boolean" };
    case "any":
      return {};
    case "none":
      return { type: "null" };
    case "list":
      return { items: type.items ? pydanticJsonSchema(type.items) : {}, type: "array" };
    case "dict": {
      const value = !type.value || type.value.kind === "any" ? true : pydanticJsonSchema(type.value);
      const schema: JsonSchema = { additionalProperties: value };
      if (type.key?.kind === "literal") schema.propertyNames = { enum: type.key.values };
      schema.type = "object";
      return schema;
    }
    case "literal": {
      const jsonType = literalJsonType(type.values);
      const schema: JsonSchema = type.values.length === 1 ? { const: type.values[0] } : { enum: type.values };
      if (jsonType) schema.type = jsonType;
      return schema;
    }
    case "union": {
      // pydantic makes a nullable union: the other members first, null last.
      const others = type.options.filter((o) => o.kind !== "none");
      const nullable = others.length < type.options.length;
      const anyOf = others.map(pydanticJsonSchema);
      if (nullable) anyOf.push({ type: "null" });
      return { anyOf };
    }
  }
}

/** DSPy's _get_json_schema: pydantic's schema with keys sorted, "type" first, at every level. */
export function promptJsonSchema(type: TypeSpec): JsonSchema {
  const reorder = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(reorder);
    if (typeof value !== "object" || value === null) return value;
    const keys = Object.keys(value).sort((a, b) => {
      if ((a === "type") !== (b === "type")) return a === "type" ? -1 : 1;
      return a < b ? -1 : a > b ? 1 : 0;
    });
    return Object.fromEntries(keys.map((k) => [k, reorder((value as JsonSchema)[k])]));
  };
  return reorder(pydanticJsonSchema(type)) as JsonSchema;
}

// ---------------------------------------------------------------- numbers

/** Tells the value renderer which numbers in a value of this type are floats (`1.0`, not `1`). */
export function numberHint(type: TypeSpec | undefined): NumberHint {
  if (!type) return NO_HINT;
  switch (type.kind) {
    case "float":
      return { isFloat: true, item: () => NO_HINT, entry: () => NO_HINT };
    case "list": {
      const inner = numberHint(type.items);
      return { isFloat: false, item: () => inner, entry: () => NO_HINT };
    }
    case "dict": {
      const inner = numberHint(type.value);
      return { isFloat: false, item: () => NO_HINT, entry: () => inner };
    }
    case "union": {
      // A float member wins only when no int member could claim integral values.
      const members = type.options.filter((o) => o.kind !== "none");
      if (members.some((o) => o.kind === "int")) return NO_HINT;
      if (members.length === 1) return numberHint(members[0]);
      return { isFloat: members.some((o) => o.kind === "float"), item: () => NO_HINT, entry: () => NO_HINT };
    }
    default:
      return NO_HINT;
  }
}

/** json.dumps of a prompt JSON schema, as DSPy embeds it in type notes. */
export function dumpPromptJsonSchema(type: TypeSpec): string {
  return pyJsonDumps(promptJsonSchema(type));
}

// ---------------------------------------------------------------- zod

/** The zod schema that validates (already converted) values of this type. */
export function typeZod(type: TypeSpec): z.ZodType {
  switch (type.kind) {
    case "str":
      return z.string();
    case "int":
      return z.int();
    case "float":
      return z.number();
    case "bool":
      return z.boolean();
    case "any":
      return z.any();
    case "none":
      return z.null();
    case "list":
      return z.array(type.items ? typeZod(type.items) : z.any());
    case "dict": {
      const value = type.value ? typeZod(type.value) : z.any();
      // Literal keys limit which keys may appear, not which must (pydantic's dict[Literal[...], V]).
      if (type.key?.kind === "literal") return z.partialRecord(typeZod(type.key) as z.ZodType<string>, value);
      return z.record(z.string(), value);
    }
    case "literal":
      return type.values.length === 1 ? z.literal(type.values[0]) : z.literal(type.values as [LiteralValue, ...LiteralValue[]]);
    case "union": {
      const others = type.options.filter((o) => o.kind !== "none");
      const inner = others.length === 1 ? typeZod(others[0]) : z.union(others.map(typeZod) as [z.ZodType, z.ZodType]);
      return others.length < type.options.length ? inner.nullable() : inner;
    }
  }
}

/** Reads a TypeSpec back from a JSON schema (zod's toJSONSchema output); used for zod-typed fields. */
function specFromJsonSchema(schema: JsonSchema, where: string): TypeSpec {
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf))
    return union(((schema.anyOf ?? schema.oneOf) as JsonSchema[]).map((s) => specFromJsonSchema(s, where)));
  if ("const" in schema) return { kind: "literal", values: [schema.const as LiteralValue] };
  if (Array.isArray(schema.enum)) return { kind: "literal", values: schema.enum as LiteralValue[] };
  const type = schema.type;
  if (Array.isArray(type)) return union(type.map((t) => specFromJsonSchema({ ...schema, type: t }, where)));
  switch (type) {
    case undefined:
      return T.any;
    case "string":
      return T.str;
    case "integer":
      return T.int;
    case "number":
      return T.float;
    case "boolean":
      return T.bool;
    case "null":
      return T.none;
    case "array":
      return {
        kind: "list",
        items: schema.items && typeof schema.items === "object" ? specFromJsonSchema(schema.items as JsonSchema, where) : undefined,
      };
    case "object": {
      if (schema.properties && Object.keys(schema.properties).length > 0)
        throw new TypeParseError(`${where}: objects with fixed properties are not supported; use dict[str, Any] or a record`);
      const extra = schema.additionalProperties;
      const value = extra && typeof extra === "object" ? specFromJsonSchema(extra as JsonSchema, where) : T.any;
      const names = schema.propertyNames as JsonSchema | undefined;
      const key = names && (names.enum || "const" in names) ? specFromJsonSchema(names, where) : T.str;
      return { kind: "dict", key, value };
    }
    default:
      throw new TypeParseError(`${where}: unsupported JSON schema type ${String(type)}`);
  }
}

function zodKind(schema: z.ZodType): string {
  return (schema as unknown as { _zod: { def: { type: string } } })._zod.def.type;
}

/** The TypeSpec a zod schema stands for (optional/nullable → Optional[...]). */
export function specFromZod(schema: z.ZodType, where = "field"): TypeSpec {
  const kind = zodKind(schema);
  if (kind === "optional" || kind === "default") {
    const inner = (schema as unknown as { _zod: { def: { innerType: z.ZodType } } })._zod.def.innerType;
    return kind === "optional" ? T.optional(specFromZod(inner, where)) : specFromZod(inner, where);
  }
  let json: JsonSchema;
  try {
    json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  } catch (error) {
    throw new TypeParseError(`${where}: zod schema cannot be described as a type (${(error as Error).message})`);
  }
  return specFromJsonSchema(json, where);
}

export function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === "object" && value !== null && "_zod" in value;
}
