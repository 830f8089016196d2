// Cases beyond the shared golden fixture, with DSPy 3.3.1's own answers
// (test/dspy/oracle/expected.json, written by running DSPy: see generate.py).
// Formats must match byte for byte; parses must give the same values, and
// fail where DSPy fails.
import { describe, expect, it } from "vitest";
import { ChatAdapter } from "../../src/dspy/adapters/chat";
import { JSONAdapter } from "../../src/dspy/adapters/json";
import { XMLAdapter } from "../../src/dspy/adapters/xml";
import { parseXml, XmlParseError } from "../../src/dspy/adapters/xml-tree";
import { AdapterParseError, ValueError } from "../../src/dspy/errors";
import { Signature, type FieldDecl } from "../../src/dspy/signature";
import expected from "./oracle/expected.json";

interface Case {
  signature?: string;
  fields?: [string, "input" | "output", string, string | null][];
  instructions?: string;
  cot?: boolean;
  adapter?: "chat" | "json" | "xml";
  inputs?: Record<string, unknown>;
  demos?: Record<string, unknown>[];
  completion?: string;
}
interface Expected {
  id: string;
  case: Case;
  messages?: { role: string; content: string }[];
  outputs?: Record<string, unknown>;
  error?: string;
}

/** The oracle writes Python floats that are integral as {"$float": x}; JS has just numbers. */
function jsValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(jsValue);
  if (value && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$float") {
      const f = (value as { $float: number | string }).$float;
      return f === "nan" ? NaN : f === "inf" ? Infinity : f === "-inf" ? -Infinity : f;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsValue(v)]));
  }
  return value;
}

function signatureOf(c: Case): Signature {
  let signature: Signature;
  if (c.fields) {
    const side = (kind: "input" | "output") =>
      Object.fromEntries(
        c.fields!.filter((f) => f[1] === kind).map(([name, , type, desc]): [string, FieldDecl] => [name, desc === null ? { type } : { type, desc }]),
      );
    signature = new Signature({ inputs: side("input"), outputs: side("output") }, c.instructions);
  } else {
    signature = new Signature(c.signature!, c.instructions);
  }
  return c.cot ? signature.prepend("reasoning", { kind: "output", desc: "${reasoning}" }) : signature;
}

const adapterOf = (c: Case) => (c.adapter === "json" ? new JSONAdapter() : c.adapter === "xml" ? new XMLAdapter() : new ChatAdapter());

describe("DSPy oracle: format", () => {
  for (const e of expected.format as Expected[]) {
    it(e.id, () => {
      const c = e.case;
      const messages = adapterOf(c).format(signatureOf(c), jsValue(c.demos ?? []) as Record<string, unknown>[], jsValue(c.inputs) as Record<string, unknown>);
      expect(e.error).toBeUndefined();
      expect(messages).toEqual(e.messages);
    });
  }
});

describe("DSPy oracle: parse", () => {
  for (const e of expected.parse as Expected[]) {
    it(`${e.id}${e.error ? ` fails (${e.error})` : ""}`, () => {
      const c = e.case;
      const parse = () => adapterOf(c).parse(signatureOf(c), c.completion!);
      // DSPy raises AdapterParseError, or (JSONAdapter's conversions) pydantic's ValidationError / a ValueError.
      if (e.error) expect(parse).toThrow(e.error === "AdapterParseError" ? AdapterParseError : ValueError);
      else expect(parse()).toEqual(jsValue(e.outputs));
    });
  }
});

describe("DSPy oracle: field type × answer text", () => {
  const rows = expected.matrix as { type: string; text: string; value?: unknown; error?: string }[];
  for (const row of rows) {
    it(`${row.type} ← ${JSON.stringify(row.text)}${row.error ? " fails" : ""}`, () => {
      const parse = () => new ChatAdapter().parse(new Signature(`q -> v: ${row.type}`), `[[ ## v ## ]]\n${row.text}`);
      if (row.error) expect(parse).toThrow(AdapterParseError);
      else expect(parse()).toEqual({ v: jsValue(row.value) });
    });
  }
});

describe("DSPy oracle: field type × answer text inside XMLAdapter's tags", () => {
  const rows = expected.xml_matrix as { type: string; text: string; value?: unknown; error?: string }[];
  for (const row of rows) {
    it(`${row.type} ← <v>${JSON.stringify(row.text)}</v>${row.error ? " fails" : ""}`, () => {
      const parse = () => new XMLAdapter().parse(new Signature(`q -> v: ${row.type}`), `<v>\n${row.text}\n</v>`);
      if (row.error) expect(parse).toThrow(AdapterParseError);
      else expect(parse()).toEqual({ v: jsValue(row.value) });
    });
  }
});

describe("DSPy oracle: XML syntax as ElementTree (expat) reads a wrapped completion", () => {
  for (const row of expected.xml_syntax as { text: string; error: string | null }[]) {
    it(`${JSON.stringify(row.text)} → ${row.error ?? "OK"}`, () => {
      const read = () => parseXml(`<dspy_root>${row.text}</dspy_root>`);
      if (row.error === null) expect(read).not.toThrow();
      else {
        expect(read).toThrow(XmlParseError);
        expect(read).toThrow(new RegExp(`^${row.error.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
      }
      // XMLAdapter reports it as DSPy does.
      if (row.error !== null) expect(() => new XMLAdapter().parse(new Signature("q -> a"), row.text)).toThrow(`Failed to parse XML: ${row.error}`);
    });
  }
});
