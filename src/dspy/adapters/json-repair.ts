// A forgiving JSON reader in the spirit of the json_repair package DSPy uses:
// strict JSON first; otherwise find the first object or array in the text and
// read it despite what LMs get wrong (code fences and prose around it, single
// quotes, unquoted keys, trailing commas, comments, Python's True/None, a cut-off
// end). Like json_repair.loads it returns "" when the text holds no object or
// array, so callers can tell "nothing found" apart from a value.
import { PyNumber } from "./python-text";

function sameShape(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).sort().join("\0");
  return ka === Object.keys(b).sort().join("\0");
}

const QUOTES = `"'“”`;
const CLOSING_QUOTE: Record<string, string> = { '"': '"', "'": "'", "“": "”", "”": "”" };
const JSON_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", "/": "/", "\\": "\\", '"': '"', "'": "'" };

/** How numbers come back: JS numbers, or PyNumbers that keep Python's int/float distinction. */
export interface RepairOptions {
  pythonNumbers?: boolean;
}

class RepairParser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly options: RepairOptions = {},
  ) {}

  parse(): unknown {
    const found: unknown[] = [];
    while (this.i < this.s.length) {
      const value = this.top();
      if (value === "") continue;
      if (found.length > 0 && sameShape(found[found.length - 1], value)) found.pop();
      found.push(value);
    }
    if (found.length === 0) return "";
    return found.length === 1 ? found[0] : found;
  }

  /** Outside any container only `{` and `[` start a value; everything else is skipped. */
  private top(): unknown {
    while (this.i < this.s.length) {
      const ch = this.s[this.i];
      if (ch === "{" || ch === "[") return this.value();
      if (ch === "#" || (ch === "/" && "/*".includes(this.s[this.i + 1]))) this.comment();
      else this.i++;
    }
    return "";
  }

  private comment(): void {
    if (this.s.startsWith("/*", this.i)) {
      const end = this.s.indexOf("*/", this.i + 2);
      this.i = end < 0 ? this.s.length : end + 2;
    } else {
      const end = this.s.indexOf("\n", this.i);
      this.i = end < 0 ? this.s.length : end + 1;
    }
  }

  private ws(): void {
    while (this.i < this.s.length) {
      const ch = this.s[this.i];
      if (/\s/.test(ch)) this.i++;
      else if (ch === "#" || (ch === "/" && "/*".includes(this.s[this.i + 1]))) this.comment();
      else break;
    }
  }

  private value(): unknown {
    this.ws();
    const ch = this.s[this.i];
    if (ch === "{") {
      this.i++;
      return this.object();
    }
    if (ch === "[") {
      this.i++;
      return this.array();
    }
    if (ch !== undefined && QUOTES.includes(ch)) return this.string();
    return this.bare(",]}\n");
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (;;) {
      this.ws();
      const ch = this.s[this.i];
      if (ch === undefined) return out;
      if (ch === "}") {
        this.i++;
        return out;
      }
      if (ch === "," || ch === "]" || ch === "{" || ch === "[") {
        this.i++;
        continue;
      }
      const start = this.i;
      const key = QUOTES.includes(ch) ? this.string() : String(this.bare(":,}"));
      this.ws();
      if (this.s[this.i] === ":") {
        this.i++;
        this.ws();
        const next = this.s[this.i];
        out[key] = next === undefined || next === "," || next === "}" ? "" : this.value();
      } else if (key !== "" && this.i < this.s.length && this.s[this.i] !== "}") {
        out[key] = "";
      }
      if (this.i === start) this.i++;
    }
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      this.ws();
      const ch = this.s[this.i];
      if (ch === undefined) return out;
      if (ch === "]") {
        this.i++;
        return out;
      }
      if (ch === "," || ch === "}") {
        this.i++;
        continue;
      }
      const start = this.i;
      out.push(this.value());
      if (this.i === start) this.i++;
    }
  }

  private string(): string {
    const open = this.s[this.i];
    const close = CLOSING_QUOTE[open] ?? open;
    const start = ++this.i;
    let out = "";
    while (this.i < this.s.length && this.s[this.i] !== close) {
      const ch = this.s[this.i];
      if (ch === "\\" && this.i + 1 < this.s.length) {
        const esc = this.s[this.i + 1];
        if (esc === "u" && /^[\da-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) {
          out += String.fromCharCode(parseInt(this.s.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
        } else {
          out += JSON_ESCAPES[esc] ?? esc;
          this.i += 2;
        }
      } else {
        out += ch;
        this.i++;
      }
    }
    if (this.i >= this.s.length) {
      // Cut off mid-string: keep the text, minus the closers the LM had already written.
      const raw = this.s.slice(start);
      return out.slice(0, out.length - (raw.length - raw.replace(/[\s}\]]+$/, "").length));
    }
    this.i++;
    return out;
  }

  /** An unquoted token: a number (a comment may follow), true/false/null in any case, else the text itself. */
  private bare(stops: string): unknown {
    const start = this.i;
    while (this.i < this.s.length && !stops.includes(this.s[this.i])) this.i++;
    const text = this.s.slice(start, this.i).trim();
    const number = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(?=$|\s*(\/\/|\/\*|#))/.exec(text);
    if (number) return this.options.pythonNumbers ? PyNumber.fromJsonText(number[0]) : Number(number[0]);
    const lower = text.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
    // Python's None stays text here, as in json_repair; parse_value's literal fallback reads it.
    if (lower === "null") return null;
    return text;
  }
}

/** JSON.parse's reviver context (source text of primitives), where the engine has it. */
type ReviverContext = { source?: string } | undefined;

/** json_repair.loads: the JSON value in `text`, repaired; "" when there is none. */
export function repairJson(text: string, options: RepairOptions = {}): unknown {
  try {
    if (!options.pythonNumbers) return JSON.parse(text);
    let sourceless = false;
    const value = JSON.parse(text, function (this: unknown, _key: string, v: unknown, context?: ReviverContext) {
      if (typeof v !== "number") return v;
      if (context?.source === undefined) sourceless = true;
      return context?.source === undefined ? v : PyNumber.fromJsonText(context.source);
    } as (key: string, value: unknown) => unknown);
    // An engine without source text access: the repair parser reads the numbers itself.
    return sourceless ? new RepairParser(text, options).parse() : value;
  } catch {
    return new RepairParser(text, options).parse();
  }
}

/** The first balanced `{…}` in the text (braces counted, as DSPy's recursive regex does), or null. */
export function firstBalancedObject(text: string): string | null {
  for (let start = text.indexOf("{"); start >= 0; start = text.indexOf("{", start + 1)) {
    let depth = 0;
    for (let j = start; j < text.length; j++) {
      if (text[j] === "{") depth++;
      else if (text[j] === "}" && --depth === 0) return text.slice(start, j + 1);
    }
  }
  return null;
}
