// Python's text primitives that DSPy's prompts and parsers depend on, so the
// same characters come out here: str()/json.dumps of values (floats as `1.0`,
// `True`/`None`, ", " and ": " separators, non-ASCII kept), str.strip(),
// str.splitlines(), inspect.cleandoc and textwrap.dedent.
import { pythonRepr } from "../python-repr";

/** Characters Python's str.isspace() accepts (JS's trim differs: it strips U+FEFF, keeps U+001C–U+001F, U+0085). */
const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const LEADING_SPACE = new RegExp(`^[${PY_SPACE}]+`);
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`);

export function pyStrip(text: string): string {
  return text.replace(LEADING_SPACE, "").replace(TRAILING_SPACE, "");
}

/** str.splitlines(): every Python line boundary, no trailing empty line. */
export function pySplitLines(text: string): string[] {
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** repr(float): shortest round-trip digits, exponent form outside 1e-4 ≤ |x| < 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = x < 0 ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1) || "0";
  return `${sign}${whole}.${frac}`;
}

/**
 * A JS number has no int/float distinction; the field's declared type decides.
 * `asFloat` renders integral values as Python floats (`1.0`).
 */
export function pyNumber(n: number, asFloat: boolean): string {
  if (!asFloat && Number.isInteger(n)) return Math.abs(n) >= 1e21 ? BigInt(n).toString() : String(n);
  return pyFloatRepr(n);
}

/** Says, for a value at some position inside a typed value, whether numbers there are floats. */
export interface NumberHint {
  isFloat: boolean;
  item(index: number): NumberHint;
  entry(key: string): NumberHint;
}

export const NO_HINT: NumberHint = { isFloat: false, item: () => NO_HINT, entry: () => NO_HINT };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A JSON number as Python's json.loads reads it: an int with its exact digits (any size) or a float.
 * A JS number loses that difference (`1.0` and `1` are the same), which str() of the value shows:
 * DSPy turns a JSON `1.0` given for a str field into "1.0" and `1e20` into "1e+20".
 */
export class PyNumber {
  private constructor(
    readonly value: number,
    readonly isFloat: boolean,
    private readonly digits: string,
  ) {}

  /** From JSON number text: a `.` or an exponent makes a float, as in Python. */
  static fromJsonText(text: string): PyNumber {
    const isFloat = /[.eE]/.test(text);
    return new PyNumber(Number(text), isFloat, isFloat ? "" : BigInt(text).toString());
  }

  pyRepr(): string {
    return this.isFloat ? pyFloatRepr(this.value) : this.digits;
  }
}

/** The same value with every PyNumber back to a plain JS number (for typed fields other than str). */
export function plainNumbers(value: unknown): unknown {
  if (value instanceof PyNumber) return value.value;
  if (Array.isArray(value)) return value.map(plainNumbers);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainNumbers(v)]));
  return value;
}

/** str(value) as Python prints it: strings as is, True/False/None, containers as repr. */
export function pyStr(value: unknown, hint: NumberHint = NO_HINT): string {
  if (typeof value === "string") return value;
  if (value instanceof PyNumber) return value.pyRepr();
  if (typeof value === "number") return pyNumber(value, hint.isFloat);
  return pythonRepr(value);
}

function jsonString(text: string): string {
  // json.dumps(ensure_ascii=False) escapes exactly what JSON.stringify escapes, except lone surrogates.
  return JSON.stringify(text);
}

function jsonNumber(n: number, hint: NumberHint): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  return pyNumber(n, hint.isFloat);
}

/**
 * json.dumps(value, ensure_ascii=False) with Python's default separators
 * (", " and ": "), or its indented form (`indent=2`: "," at line ends).
 */
export function pyJsonDumps(value: unknown, options: { indent?: number; hint?: NumberHint } = {}): string {
  const { indent } = options;
  const write = (v: unknown, hint: NumberHint, depth: number): string => {
    if (v === null || v === undefined) return "null";
    if (v === true) return "true";
    if (v === false) return "false";
    if (typeof v === "string") return jsonString(v);
    if (typeof v === "number") return jsonNumber(v, hint);
    if (typeof v === "bigint") return v.toString();
    const open = (items: string[], l: string, r: string) => {
      if (items.length === 0) return l + r;
      if (indent === undefined) return l + items.join(", ") + r;
      const pad = "\n" + " ".repeat(indent * (depth + 1));
      return l + pad + items.join("," + pad) + "\n" + " ".repeat(indent * depth) + r;
    };
    if (Array.isArray(v)) return open(v.map((item, i) => write(item, hint.item(i), depth + 1)), "[", "]");
    if (isPlainObject(v)) {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      return open(
        entries.map(([k, x]) => `${jsonString(k)}: ${write(x, hint.entry(k), depth + 1)}`),
        "{",
        "}",
      );
    }
    return jsonString(String(v));
  };
  return write(value, options.hint ?? NO_HINT, 0);
}

/** str.expandtabs(8). */
function expandTabs(line: string): string {
  let out = "";
  for (const ch of line) {
    if (ch === "\t") out += " ".repeat(8 - (out.length % 8));
    else out += ch;
  }
  return out;
}

/** inspect.cleandoc: DSPy reads every signature's instructions through it. */
export function cleandoc(doc: string): string {
  const lines = doc.split("\n").map(expandTabs);
  let margin = Infinity;
  for (const line of lines.slice(1)) {
    const content = line.replace(/^ +/, "");
    if (content) margin = Math.min(margin, line.length - content.length);
  }
  lines[0] = lines[0].replace(/^ +/, "");
  if (margin < Infinity) for (let i = 1; i < lines.length; i++) lines[i] = lines[i].slice(margin);
  while (lines.length > 0 && !lines[lines.length - 1]) lines.pop();
  while (lines.length > 0 && !lines[0]) lines.shift();
  return lines.join("\n");
}

/** textwrap.dedent: whitespace-only lines become empty, the common indent goes. */
export function dedent(text: string): string {
  const normalized = text.replace(/^[ \t]+$/gm, "");
  let margin: string | null = null;
  for (const m of normalized.matchAll(/^([ \t]*)[^ \t\n]/gm)) {
    const indent = m[1];
    if (margin === null) margin = indent;
    else {
      let i = 0;
      while (i < margin.length && i < indent.length && margin[i] === indent[i]) i++;
      margin = margin.slice(0, i);
    }
  }
  if (!margin) return normalized;
  const cut = margin;
  return normalized.replace(/^.*$/gm, (line) => (line.startsWith(cut) ? line.slice(cut.length) : line));
}
