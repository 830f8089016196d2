import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InputValidationError } from "../../src/dspy/errors";
import { Signature, SignatureError, fieldDescription, inferPrefix } from "../../src/dspy/signature";
import { T, parseType, promptJsonSchema, typeName } from "../../src/dspy/types";

describe("Signature from a string", () => {
  it("reads names, Python-style types and DSPy's default instructions", () => {
    const sig = new Signature("a, b: int -> c: list[str]");
    expect(sig.inputFields.map((f) => [f.name, f.typeName])).toEqual([
      ["a", "str"],
      ["b", "int"],
    ]);
    expect(sig.outputFields.map((f) => [f.name, f.kind, f.typeName])).toEqual([["c", "output", "list[str]"]]);
    expect(sig.instructions).toBe("Given the fields `a`, `b`, produce the fields `c`.");
    expect(sig.toString()).toBe("a, b -> c");
    expect(sig.fields.map((f) => f.name)).toEqual(["a", "b", "c"]);
  });

  it("prints every supported type the way DSPy does", () => {
    const sig = new Signature(
      "a: str, b: float, c: bool, d: dict[str, int], e: dict[str, Any], f: Optional[str], g: Any, h: int | None, i: List[Dict[str, float]] " +
        "-> j: Literal['x', 'y'], k: Union[int, str], l: list, m: Optional[list[Literal[1, 2]]]",
    );
    expect(sig.fields.map((f) => f.typeName)).toEqual([
      "str",
      "float",
      "bool",
      "dict[str, int]",
      "dict[str, Any]",
      "Union[str, NoneType]",
      "Any",
      "Union[int, NoneType]",
      "list[dict[str, float]]",
      "Literal['x', 'y']",
      "Union[int, str]",
      "list",
      "Union[list[Literal[1, 2]], NoneType]",
    ]);
  });

  it("gives fields DSPy's desc placeholder and inferred prefix", () => {
    const [field] = new Signature("userQuestion -> answer").inputFields;
    expect(field.desc).toBe("${userQuestion}");
    expect(fieldDescription(field)).toBe("");
    expect(field.prefix).toBe("User Question:");
    expect(inferPrefix("text2number")).toBe("Text 2 Number");
    expect(inferPrefix("HTMLParser")).toBe("HTML Parser");
    expect(inferPrefix("snake_case_text")).toBe("Snake Case Text");
  });

  it("accepts an empty input side, as DSPy does", () => {
    const sig = new Signature("-> answer");
    expect(sig.inputFields).toEqual([]);
    expect(sig.instructions).toBe("Given the fields , produce the fields `answer`.");
  });

  it.each([
    ["question answer", /exactly one '->'/],
    ["a -> b -> c", /exactly one '->' \(found 2\)/],
    ["question -> question", /distinct names, but found duplicates: 'question'/],
    ["a, b -> b, a", /duplicates: 'a, b'/],
    ["a, a -> b", /`a` appears twice among the inputs/],
    ["a: -> b", /`a` has a colon but no type/],
    ["a: lsit[str] -> b", /unknown type `lsit`/],
    ["a: list[str -> b", /expected `]`/],
    ["a: dict[str] -> b", /dict takes exactly two parameters/],
    ["a: Literal[] -> b", /at least one value/],
    ["a: Optional[int, str] -> b", /Optional must have exactly one type argument/],
    ["my field -> b", /`my field` is not a valid field name/],
    ["class -> b", /`class` is not a valid field name/],
    ["a, , b -> c", /empty field name/],
    ["a: int = 3 -> b", /default values are not supported/],
  ])("rejects %j with a clear error", (text, message) => {
    expect(() => new Signature(text)).toThrow(SignatureError);
    expect(() => new Signature(text)).toThrow(message);
  });

  it("names the signature and the field in type errors", () => {
    expect(() => new Signature("q -> a: strr")).toThrow('invalid signature "q -> a: strr": field `a`: unknown type `strr`');
  });

  it("keeps explicit instructions, read like inspect.cleandoc", () => {
    const sig = new Signature("q -> a", "\n    Answer briefly.\n      Be kind.\n");
    expect(sig.instructions).toBe("Answer briefly.\n  Be kind.");
  });
});

describe("Signature from an object", () => {
  const sig = new Signature(
    {
      inputs: { context: { type: "list[str]", desc: "facts" }, question: z.string() },
      outputs: {
        answer: { type: z.int().describe("a number"), prefix: "Result:" },
        confidence: { type: T.float, desc: "0 to 1" },
        label: z.enum(["yes", "no"]),
        extra: z.record(z.string(), z.number()).optional(),
      },
    },
    "Answer from the facts.",
  );

  it("derives DSPy type names from zod schemas and keeps descriptions", () => {
    expect(sig.fields.map((f) => [f.name, f.typeName, fieldDescription(f)])).toEqual([
      ["context", "list[str]", "facts"],
      ["question", "str", ""],
      ["answer", "int", "a number"],
      ["confidence", "float", "0 to 1"],
      ["label", "Literal['yes', 'no']", ""],
      ["extra", "Union[dict[str, float], NoneType]", ""],
    ]);
    expect(sig.outputFields[0].prefix).toBe("Result:");
    expect(sig.instructions).toBe("Answer from the facts.");
  });

  it("takes instructions from the object when none are passed", () => {
    expect(new Signature({ inputs: { q: "str" }, outputs: { a: "int" }, instructions: "Count." }).instructions).toBe("Count.");
    expect(new Signature({ inputs: { q: "str" }, outputs: { a: "int" } }).instructions).toBe(
      "Given the fields `q`, produce the fields `a`.",
    );
  });

  it("rejects zod objects with fixed properties, naming the field", () => {
    expect(() => new Signature({ inputs: { q: "str" }, outputs: { a: z.object({ x: z.string() }) } })).toThrow(
      /field `a`.*objects with fixed properties/,
    );
  });
});

describe("Signature is immutable", () => {
  const base = new Signature("question -> answer: int", "Be exact.");

  it("prepend/append/insert/delete return new signatures", () => {
    const cot = base.prepend("reasoning", { kind: "output", desc: "${reasoning}" });
    expect(cot.toString()).toBe("question -> reasoning, answer");
    expect(base.toString()).toBe("question -> answer");
    expect(cot.instructions).toBe("Be exact.");
    expect(fieldDescription(cot.outputFields[0])).toBe("");

    const withContext = cot.append("context", { kind: "input", type: "list[str]", desc: "facts" });
    expect(withContext.toString()).toBe("question, context -> reasoning, answer");
    expect(withContext.insert(0, "topic", { kind: "input" }).toString()).toBe("topic, question, context -> reasoning, answer");
    expect(withContext.insert(-2, "topic", { kind: "output" }).toString()).toBe("question, context -> reasoning, topic, answer");
    expect(withContext.delete("context").toString()).toBe("question -> reasoning, answer");
    expect(withContext.delete("nope").toString()).toBe(withContext.toString());
  });

  it("rejects a bad index; an existing name is merged as DSPy's dict does (oracle: test/dspy/semantics-oracle.test.ts)", () => {
    expect(() => base.insert(5, "x", { kind: "output" })).toThrow("Invalid index to insert: 5");
    // append keeps the position and takes the new declaration; a name moving sides takes the new side.
    expect(base.append("answer", { kind: "output", desc: "new" }).outputFields.map((f) => [f.name, f.typeName])).toEqual([["answer", "str"]]);
    expect(base.append("question", { kind: "output" }).toString()).toBe(" -> question, answer");
  });

  it("withInstructions / appendInstructions", () => {
    expect(base.withInstructions("New.").instructions).toBe("New.");
    expect(base.appendInstructions("More.").instructions).toBe("Be exact.\n\nMore.");
    expect(base.instructions).toBe("Be exact.");
  });

  it("cannot be mutated in place", () => {
    expect(() => ((base as unknown as { instructions: string }).instructions = "x")).toThrow(TypeError);
    expect(() => (base.inputFields as unknown as unknown[]).push({})).toThrow(TypeError);
  });
});

describe("validateInputs", () => {
  const sig = new Signature("context: list[str], question, k: int, note: Optional[str] -> answer");

  it("returns the declared fields' values, leaving out absent optional ones", () => {
    expect(sig.validateInputs({ context: ["a"], question: "q", k: 2, other: 1 })).toEqual({ context: ["a"], question: "q", k: 2 });
    expect(sig.validateInputs({ context: [], question: "q", k: 0, note: null })).toEqual({ context: [], question: "q", k: 0, note: null });
  });

  it("reports every missing or mistyped field", () => {
    let error: unknown;
    try {
      sig.validateInputs({ context: ["a", 3], k: 1.5 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputValidationError);
    const issues = (error as InputValidationError).issues;
    expect(issues.map((i) => i.field)).toEqual(["context.1", "question", "k"]);
    expect(issues[1].message).toBe("missing required input field (str)");
    expect((error as Error).message).toMatch(/^Invalid inputs for signature "context, question, k, note -> answer": context\.1: /);
  });

  it("validates nested types: Literal-keyed dicts, lists of Literals, Optional values", () => {
    const typed = new Signature("scores: dict[Literal['a', 'b'], int], picks: list[Literal['x', 'y']], ratio: Optional[float] -> out");
    expect(typed.validateInputs({ scores: { a: 1 }, picks: ["x", "y"], ratio: 0.5 })).toEqual({ scores: { a: 1 }, picks: ["x", "y"], ratio: 0.5 });
    expect(() => typed.validateInputs({ scores: { c: 1 }, picks: [] })).toThrow(/scores/);
    expect(() => typed.validateInputs({ scores: {}, picks: ["z"] })).toThrow(/picks\.0/);
    expect(() => typed.validateInputs({ scores: {}, picks: [], ratio: "high" })).toThrow(/ratio/);
  });

  it("rejects a non-object", () => {
    expect(() => sig.validateInputs("hello")).toThrow(InputValidationError);
  });
});

describe("schemas for the server", () => {
  const sig = new Signature({
    inputs: { question: { type: "str", desc: "what to answer" }, hint: "Optional[str]" },
    outputs: { answer: "int", tags: "list[Literal['a', 'b']]", maybe: "Optional[float]" },
  });

  it("outputsSchema validates outputs; Optional fields may be null but not absent", () => {
    const schema = sig.outputsSchema();
    expect(schema.safeParse({ answer: 1, tags: ["a"], maybe: null }).success).toBe(true);
    expect(schema.safeParse({ answer: 1.5, tags: ["a"], maybe: null }).success).toBe(false);
    expect(schema.safeParse({ answer: 1, tags: ["c"], maybe: 1 }).success).toBe(false);
    expect(schema.safeParse({ answer: 1, tags: [] }).success).toBe(false);
  });

  it("inputsSchema makes Optional inputs optional", () => {
    expect(sig.inputsSchema().safeParse({ question: "q" }).success).toBe(true);
    expect(sig.inputsSchema().safeParse({}).success).toBe(false);
  });

  it("JSON schemas carry types, descriptions and required fields", () => {
    expect(sig.inputsJsonSchema()).toEqual({
      type: "object",
      properties: {
        question: { type: "string", description: "what to answer" },
        hint: { anyOf: [{ type: "string" }, { type: "null" }] },
      },
      required: ["question"],
    });
    expect(sig.outputsJsonSchema()).toEqual({
      type: "object",
      properties: {
        answer: { type: "integer" },
        tags: { items: { enum: ["a", "b"], type: "string" }, type: "array" },
        maybe: { anyOf: [{ type: "number" }, { type: "null" }] },
      },
      required: ["answer", "tags", "maybe"],
    });
  });
});

describe("types", () => {
  it("parses, names and schemas agree with pydantic", () => {
    const t = parseType("Union[int, None, str]");
    expect(typeName(t)).toBe("Union[int, NoneType, str]");
    // pydantic moves null last in a nullable union
    expect(promptJsonSchema(t)).toEqual({ anyOf: [{ type: "integer" }, { type: "string" }, { type: "null" }] });
    expect(promptJsonSchema(parseType("Literal['a']"))).toEqual({ type: "string", const: "a" });
    expect(promptJsonSchema(parseType("Literal[1, 'a']"))).toEqual({ enum: [1, "a"] });
    expect(typeName(parseType(`Literal["it's", 'x"y', 'plain']`))).toBe(`Literal["it's", 'x"y', 'plain']`);
    expect(typeName(parseType("Optional[Optional[int]]"))).toBe("Union[int, NoneType]");
  });
});
