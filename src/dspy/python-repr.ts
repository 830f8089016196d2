// Values printed as Python's repr() prints them. DSPy embeds Python reprs in
// prompts (a tool's args schema: `{'city': {'type': 'string'}}`) and in
// jsonschema error texts (`'x' is not of type 'integer'`); a program written
// for DSPy should see the same characters.

/** Python's repr of a str: single quotes unless the text has ' and no ". */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + quote;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + quote;
}

function numberRepr(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  const text = String(n);
  // JS writes 1e+21 where Python writes 1e+21 too, but 1e-7 as 1e-7 (Python: 1e-07).
  return text.replace(/e-(\d)$/, "e-0$1");
}

/** A value that knows its own Python repr (a PyNumber read from JSON text). */
interface HasPyRepr {
  pyRepr(): string;
}

function hasPyRepr(value: unknown): value is HasPyRepr {
  return typeof value === "object" && value !== null && typeof (value as Partial<HasPyRepr>).pyRepr === "function";
}

/** Python's repr of a JSON-like value (dict, list, str, int/float, bool, None). */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (hasPyRepr(value)) return value.pyRepr();
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return pythonStringRepr(value);
  if (typeof value === "number") return numberRepr(value);
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (typeof value === "object") {
    const items = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${pythonStringRepr(k)}: ${pythonRepr(v)}`,
    );
    return `{${items.join(", ")}}`;
  }
  return pythonStringRepr(String(value));
}
