// Signatures: what a module takes and what it must produce, as DSPy's
// `dspy.Signature`. Written as a string ("context: list[str], question ->
// answer: int") or as an object with descriptions and zod schemas. Immutable:
// prepend/append/insert/delete/withInstructions return new signatures, like
// DSPy's class methods returning new classes.
import { z } from "zod";
import { InputValidationError } from "./errors";
import { cleandoc } from "./adapters/python-text";
import {
  allowsNone,
  isTypeSpec,
  isZodSchema,
  parseType,
  pydanticJsonSchema,
  specFromZod,
  typeName,
  typeZod,
  type JsonSchema,
  type TypeSpec,
} from "./types";

export type FieldKind = "input" | "output";

/** A type as a Python-style string ("list[str]"), a TypeSpec, or a zod schema. */
export type TypeLike = string | TypeSpec | z.ZodType;

export interface Field {
  readonly name: string;
  readonly kind: FieldKind;
  readonly type: TypeSpec;
  /** The name DSPy prints: `list[str]`, `Literal['a', 'b']`, `Union[str, NoneType]`. */
  readonly typeName: string;
  /** DSPy's desc: `${name}` when none was given (printed as empty). */
  readonly desc: string;
  /** DSPy's prefix ("Question:"); kept for parity, no adapter prints it. */
  readonly prefix: string;
  /** Validates a value of this field (the given zod schema, else derived from the type). */
  readonly schema: z.ZodType;
  /** True when the type came from a user's zod schema (its own JSON schema is used for OpenAPI). */
  readonly fromZod: boolean;
}

/** How a field is declared in `prepend`/`append`/`insert`. */
export interface FieldInit {
  kind: FieldKind;
  type?: TypeLike;
  desc?: string;
  prefix?: string;
}

/** A field in the object form: just its type, or its type with a description. */
export type FieldDecl = TypeLike | Omit<FieldInit, "kind">;

export interface SignatureSpec {
  inputs: Record<string, FieldDecl>;
  outputs: Record<string, FieldDecl>;
  instructions?: string;
}

export class SignatureError extends Error {
  override name = "SignatureError";
}

const PY_KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(
    " ",
  ),
);
const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_]*$/u;

function checkName(name: string, where: string): void {
  if (!IDENTIFIER.test(name) || PY_KEYWORDS.has(name))
    throw new SignatureError(`${where}: \`${name}\` is not a valid field name (use a Python identifier)`);
}

/** DSPy's infer_prefix: "camelCase_text2x" → "Camel Case Text 2 X". */
export function inferPrefix(name: string): string {
  const snake = name
    .replace(/(.)([A-Z][a-z]+)/g, "$1_$2")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([a-zA-Z])(\d)/g, "$1_$2")
    .replace(/(\d)([a-zA-Z])/g, "$1_$2");
  return snake
    .split("_")
    .map((w) => (w.toUpperCase() === w && /[A-Z]/.test(w) ? w : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()))
    .join(" ");
}

/** The description a reader should see: "" for DSPy's `${name}` placeholder. */
export function fieldDescription(field: Field): string {
  return field.desc === `\${${field.name}}` ? "" : field.desc;
}

export function makeField(name: string, init: FieldInit, where = "signature"): Field {
  checkName(name, where);
  const given = init.type ?? "str";
  let type: TypeSpec;
  let schema: z.ZodType;
  const fromZod = isZodSchema(given);
  try {
    if (fromZod) {
      type = specFromZod(given, `field \`${name}\``);
      schema = given;
    } else {
      type = typeof given === "string" ? parseType(given) : isTypeSpec(given) ? given : parseType(String(given));
      schema = typeZod(type);
    }
  } catch (error) {
    throw new SignatureError(`${where}: field \`${name}\`: ${(error as Error).message}`);
  }
  const zodDesc = fromZod ? (given as z.ZodType).description : undefined;
  return Object.freeze({
    name,
    kind: init.kind,
    type,
    typeName: typeName(type),
    desc: init.desc ?? zodDesc ?? `\${${name}}`,
    prefix: init.prefix ?? `${inferPrefix(name)}:`,
    schema,
    fromZod,
  });
}

/** Splits "a, b: dict[str, int]" at top-level commas (brackets and quotes nest). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") {
        current += ch + (text[i + 1] ?? "");
        i++;
        continue;
      }
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "[") depth++;
    else if (ch === "]") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

function parseSide(text: string, kind: FieldKind, source: string): Field[] {
  const where = `invalid signature "${source}"`;
  const parts = splitTopLevel(text).map((p) => p.trim());
  // Python's parameter lists allow one trailing comma ("a, b,"), nothing emptier.
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 1 && parts[0] === "") return [];
  const fields: Field[] = [];
  for (const part of parts) {
    if (part === "") throw new SignatureError(`${where}: empty field name between commas`);
    const colon = part.indexOf(":");
    const name = (colon < 0 ? part : part.slice(0, colon)).trim();
    const typeText = colon < 0 ? undefined : part.slice(colon + 1).trim();
    if (typeText === "") throw new SignatureError(`${where}: field \`${name}\` has a colon but no type`);
    if (typeText?.includes("=") && !/['"]/.test(typeText))
      throw new SignatureError(`${where}: field \`${name}\`: default values are not supported`);
    if (fields.some((f) => f.name === name))
      throw new SignatureError(`${where}: field \`${name}\` appears twice among the ${kind}s`);
    fields.push(makeField(name, { kind, type: typeText }, where));
  }
  return fields;
}

function parseSignatureString(source: string): Field[] {
  const arrows = source.split("->").length - 1;
  if (arrows !== 1)
    throw new SignatureError(`Invalid signature format: '${source}', must contain exactly one '->' (found ${arrows}).`);
  const [inputs, outputs] = source.split("->");
  const fields = [...parseSide(inputs, "input", source), ...parseSide(outputs, "output", source)];
  return fields;
}

function fieldsFromSpec(spec: SignatureSpec): Field[] {
  const declare = (decls: Record<string, FieldDecl>, kind: FieldKind): Field[] =>
    Object.entries(decls ?? {}).map(([name, decl]) => {
      const init: FieldInit =
        typeof decl === "string" || isTypeSpec(decl) || isZodSchema(decl) ? { kind, type: decl } : { ...decl, kind };
      return makeField(name, init);
    });
  return [...declare(spec.inputs, "input"), ...declare(spec.outputs, "output")];
}

function checkDistinct(fields: readonly Field[], what: string): void {
  const inputs = new Set(fields.filter((f) => f.kind === "input").map((f) => f.name));
  const dupes = [...new Set(fields.filter((f) => f.kind === "output" && inputs.has(f.name)).map((f) => f.name))].sort();
  if (dupes.length > 0)
    throw new SignatureError(
      `${what}: input and output fields must have distinct names, but found duplicates: '${dupes.join(", ")}'.`,
    );
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.name) && !(f.kind === "output" && inputs.has(f.name)))
      throw new SignatureError(`${what}: field \`${f.name}\` is declared twice`);
    seen.add(f.name);
  }
}

export function defaultInstructions(fields: readonly Field[]): string {
  const names = (kind: FieldKind) =>
    fields
      .filter((f) => f.kind === kind)
      .map((f) => `\`${f.name}\``)
      .join(", ");
  return `Given the fields ${names("input")}, produce the fields ${names("output")}.`;
}

export class Signature {
  readonly inputFields: readonly Field[];
  readonly outputFields: readonly Field[];
  /** As DSPy reads them (inspect.cleandoc); the default names the fields. */
  readonly instructions: string;

  /**
   * `new Signature("question -> answer: int", "Answer briefly.")`, or the object form
   * `new Signature({ inputs: { question: { desc: "…" } }, outputs: { answer: z.int() } })`.
   */
  constructor(spec: string | SignatureSpec | readonly Field[], instructions?: string) {
    let fields: readonly Field[];
    let given = instructions;
    if (typeof spec === "string") {
      fields = parseSignatureString(spec);
    } else if (Array.isArray(spec)) {
      fields = spec as readonly Field[];
    } else if (spec && typeof spec === "object") {
      fields = fieldsFromSpec(spec as SignatureSpec);
      given ??= (spec as SignatureSpec).instructions;
    } else {
      throw new SignatureError(`a signature is a string like "question -> answer" or {inputs, outputs}, got ${typeof spec}`);
    }
    checkDistinct(fields, typeof spec === "string" ? `invalid signature "${spec}"` : "invalid signature");
    this.inputFields = Object.freeze(fields.filter((f) => f.kind === "input"));
    this.outputFields = Object.freeze(fields.filter((f) => f.kind === "output"));
    this.instructions = cleandoc(given ?? defaultInstructions(fields));
    Object.freeze(this);
  }

  /** Inputs first, then outputs (DSPy's `fields`). */
  get fields(): readonly Field[] {
    return [...this.inputFields, ...this.outputFields];
  }

  field(name: string): Field | undefined {
    return this.fields.find((f) => f.name === name);
  }

  /** "question -> reasoning, answer" (DSPy's `signature` property). */
  toString(): string {
    return `${this.inputFields.map((f) => f.name).join(", ")} -> ${this.outputFields.map((f) => f.name).join(", ")}`;
  }

  toJSON(): { signature: string; instructions: string } {
    return { signature: this.toString(), instructions: this.instructions };
  }

  withInstructions(instructions: string): Signature {
    return new Signature(this.fields, instructions);
  }

  appendInstructions(instructions: string): Signature {
    return new Signature(this.fields, `${this.instructions}\n\n${instructions}`);
  }

  /**
   * Inserts among the inputs or outputs (by `field.kind`); negative indexes count from the end, -1 appends.
   * A name the signature already has does not throw, as in DSPy, whose insert rebuilds the fields as a
   * Python dict from `inputs + outputs`: the name keeps the position of its *first* occurrence and takes
   * the field of its *last*. So `prepend` of an existing output moves it first but keeps its old
   * declaration (ChainOfThought over a signature that declares `reasoning`), `append` replaces the
   * declaration in place, and a name moving across sides takes the new side.
   */
  insert(index: number, name: string, field: FieldInit): Signature {
    const made = makeField(name, field);
    const inputs = [...this.inputFields];
    const outputs = [...this.outputFields];
    const list = made.kind === "input" ? inputs : outputs;
    let at = index < 0 ? index + list.length + 1 : index;
    if (at < 0 || at > list.length)
      throw new SignatureError(
        `Invalid index to insert: ${index}, index must be in the range of [${list.length - 1}, ${list.length}] for ${made.kind} fields, but received: ${index}.`,
      );
    list.splice(at, 0, made);
    // A Map keeps a key where it was first set and the value last set: Python's dict.
    const merged = new Map<string, Field>();
    for (const f of [...inputs, ...outputs]) merged.set(f.name, f);
    return new Signature([...merged.values()], this.instructions);
  }

  prepend(name: string, field: FieldInit): Signature {
    return this.insert(0, name, field);
  }

  append(name: string, field: FieldInit): Signature {
    return this.insert(-1, name, field);
  }

  /** Without the named field; unchanged if absent (as DSPy). */
  delete(name: string): Signature {
    return new Signature(
      this.fields.filter((f) => f.name !== name),
      this.instructions,
    );
  }

  /**
   * Checks inputs against the input fields: every field present (fields that admit None may be
   * left out) and of its type. Returns the parsed values of the declared fields only.
   */
  validateInputs(inputs: unknown): Record<string, unknown> {
    const issues: { field: string; message: string }[] = [];
    const out: Record<string, unknown> = {};
    if (typeof inputs !== "object" || inputs === null || Array.isArray(inputs)) {
      issues.push({ field: "", message: `inputs must be an object with fields ${this.inputFields.map((f) => f.name).join(", ")}` });
    } else {
      const given = inputs as Record<string, unknown>;
      for (const field of this.inputFields) {
        const value = given[field.name];
        if (value === undefined) {
          if (!allowsNone(field.type)) issues.push({ field: field.name, message: `missing required input field (${field.typeName})` });
          continue;
        }
        const result = field.schema.safeParse(value);
        if (result.success) out[field.name] = result.data;
        else
          for (const issue of result.error.issues) {
            const path = [field.name, ...issue.path.map(String)].join(".");
            issues.push({ field: path, message: `${issue.message} (expected ${field.typeName})` });
          }
      }
    }
    if (issues.length > 0) {
      const detail = issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join("; ");
      throw new InputValidationError(`Invalid inputs for signature "${this.toString()}": ${detail}`, issues);
    }
    return out;
  }

  /** A zod object of the inputs (fields that admit None are optional). */
  inputsSchema(): z.ZodObject {
    return z.object(
      Object.fromEntries(
        this.inputFields.map((f) => [f.name, allowsNone(f.type) ? describe(f).optional() : describe(f)]),
      ),
    );
  }

  /** A zod object of the outputs: every field present, Optional ones may be null. */
  outputsSchema(): z.ZodObject {
    return z.object(Object.fromEntries(this.outputFields.map((f) => [f.name, describe(f)])));
  }

  /** JSON schema of the inputs (for OpenAPI request bodies). */
  inputsJsonSchema(): JsonSchema {
    return objectJsonSchema(this.inputFields, (f) => !allowsNone(f.type));
  }

  /** JSON schema of the outputs (for OpenAPI responses): all fields required. */
  outputsJsonSchema(): JsonSchema {
    return objectJsonSchema(this.outputFields, () => true);
  }
}

function describe(field: Field): z.ZodType {
  const desc = fieldDescription(field);
  return desc ? field.schema.describe(desc) : field.schema;
}

function fieldJsonSchema(field: Field): JsonSchema {
  let schema: JsonSchema;
  if (field.fromZod) {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(field.schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    schema = rest;
  } else {
    schema = pydanticJsonSchema(field.type);
  }
  const desc = fieldDescription(field);
  return desc ? { ...schema, description: desc } : schema;
}

function objectJsonSchema(fields: readonly Field[], required: (f: Field) => boolean): JsonSchema {
  return {
    type: "object",
    properties: Object.fromEntries(fields.map((f) => [f.name, fieldJsonSchema(f)])),
    required: fields.filter(required).map((f) => f.name),
  };
}

/** Accepts a signature or its string form (as DSPy's ensure_signature). */
export function ensureSignature(signature: Signature | string, instructions?: string): Signature {
  if (typeof signature === "string") return new Signature(signature, instructions);
  if (instructions !== undefined) throw new SignatureError("Don't specify instructions when initializing with a Signature");
  return signature;
}
