// ast.literal_eval for the literals an LM writes: DSPy falls back to it when a
// field value is not JSON (`True`, `None`, `['a', 'b']`, `(1, 2)`, `1_000`).
// Tuples and sets come back as arrays; anything else (names, calls) throws.

export class LiteralEvalError extends Error {
  override name = "LiteralEvalError";
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v", a: "\x07", "0": "\0", "\\": "\\", "'": "'", '"': '"', "\n": "" };

class LiteralParser {
  private i = 0;
  constructor(private readonly src: string) {}

  parseAll(): unknown {
    const value = this.tupleOrValue(true);
    this.ws(true);
    if (this.i < this.src.length) throw this.fail("unexpected text");
    return value;
  }

  private fail(what: string): LiteralEvalError {
    return new LiteralEvalError(`malformed node or string: ${what} at ${this.i}`);
  }

  /** Skips spaces and comments; newlines only inside brackets (or at the very end). */
  private ws(newlines: boolean): void {
    while (this.i < this.src.length) {
      const ch = this.src[this.i];
      if (ch === " " || ch === "\t" || (newlines && (ch === "\n" || ch === "\r"))) this.i++;
      else if (ch === "\\" && this.src[this.i + 1] === "\n") this.i += 2;
      else if (ch === "#") while (this.i < this.src.length && this.src[this.i] !== "\n") this.i++;
      else if (!newlines && (ch === "\n" || ch === "\r") && this.src.slice(this.i).trim() === "") this.i = this.src.length;
      else break;
    }
  }

  private tupleOrValue(top: boolean): unknown {
    this.ws(!top);
    const first = this.value(!top);
    this.ws(!top);
    if (this.src[this.i] !== ",") return first;
    const items = [first];
    while (this.src[this.i] === ",") {
      this.i++;
      this.ws(!top);
      if (this.i >= this.src.length || ")]}".includes(this.src[this.i])) break;
      items.push(this.value(!top));
      this.ws(!top);
    }
    return items;
  }

  private sequence(close: string): unknown[] {
    const items: unknown[] = [];
    this.ws(true);
    while (this.src[this.i] !== close) {
      if (this.i >= this.src.length) throw this.fail(`missing ${close}`);
      items.push(this.value(true));
      this.ws(true);
      if (this.src[this.i] === ",") {
        this.i++;
        this.ws(true);
      } else if (this.src[this.i] !== close) throw this.fail(`expected , or ${close}`);
    }
    this.i++;
    return items;
  }

  private value(inBrackets: boolean): unknown {
    this.ws(inBrackets);
    const ch = this.src[this.i];
    if (ch === undefined) throw this.fail("unexpected end");
    if (ch === "[") {
      this.i++;
      return this.sequence("]");
    }
    if (ch === "(") {
      this.i++;
      this.ws(true);
      if (this.src[this.i] === ")") {
        this.i++;
        return [];
      }
      const inner = this.tupleOrValue(false);
      this.ws(true);
      if (this.src[this.i] !== ")") throw this.fail("missing )");
      this.i++;
      return inner;
    }
    if (ch === "{") {
      this.i++;
      return this.dictOrSet();
    }
    if (ch === "-" || ch === "+") {
      this.i++;
      const operand = this.value(inBrackets);
      if (typeof operand !== "number") throw this.fail("unary operator on a non-number");
      return ch === "-" ? -operand : operand;
    }
    if (/[\d.]/.test(ch)) return this.number();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.i))?.[0];
    if (word !== undefined) {
      const after = this.src[this.i + word.length];
      if (/^[rRbBuU]{1,2}$/.test(word) && (after === "'" || after === '"')) {
        this.i += word.length;
        return this.strings(/r/i.test(word));
      }
      this.i += word.length;
      if (word === "True") return true;
      if (word === "False") return false;
      if (word === "None") return null;
      if (word === "set" && this.src.slice(this.i, this.i + 2) === "()") {
        this.i += 2;
        return [];
      }
      throw this.fail(`name ${word}`);
    }
    if (ch === "'" || ch === '"') return this.strings(false);
    throw this.fail(`unexpected ${ch}`);
  }

  private dictOrSet(): unknown {
    this.ws(true);
    if (this.src[this.i] === "}") {
      this.i++;
      return {};
    }
    const first = this.value(true);
    this.ws(true);
    if (this.src[this.i] !== ":") {
      const rest = this.src[this.i] === "," ? (this.i++, this.sequence("}")) : (this.expect("}"), []);
      return [first, ...rest];
    }
    const out: Record<string, unknown> = {};
    let key = first;
    for (;;) {
      this.expect(":");
      out[typeof key === "string" ? key : JSON.stringify(key)] = this.value(true);
      this.ws(true);
      if (this.src[this.i] === ",") {
        this.i++;
        this.ws(true);
      }
      if (this.src[this.i] === "}") {
        this.i++;
        return out;
      }
      if (this.i >= this.src.length) throw this.fail("missing }");
      key = this.value(true);
      this.ws(true);
    }
  }

  private expect(ch: string): void {
    this.ws(true);
    if (this.src[this.i] !== ch) throw this.fail(`expected ${ch}`);
    this.i++;
  }

  private number(): number {
    const rest = this.src.slice(this.i);
    const radix = /^0([xX][\da-fA-F_]+|[oO][0-7_]+|[bB][01_]+)/.exec(rest);
    if (radix) {
      this.i += radix[0].length;
      const base = { x: 16, o: 8, b: 2 }[radix[1][0].toLowerCase() as "x" | "o" | "b"];
      return parseInt(radix[1].slice(1).replaceAll("_", ""), base);
    }
    const m = /^(\d[\d_]*)?(\.[\d_]*)?([eE][-+]?\d[\d_]*)?/.exec(rest);
    if (!m || !m[0] || m[0] === ".") throw this.fail("bad number");
    if (/[jJ]/.test(rest[m[0].length] ?? "")) throw this.fail("complex numbers are not supported");
    this.i += m[0].length;
    return Number(m[0].replaceAll("_", ""));
  }

  /** One or more adjacent string literals ("a" 'b' → "ab"). */
  private strings(raw: boolean): string {
    let out = this.string(raw);
    for (;;) {
      const save = this.i;
      this.ws(false);
      const prefix = /^[rRbBuU]{0,2}(?=['"])/.exec(this.src.slice(this.i));
      if (!prefix) {
        this.i = save;
        return out;
      }
      this.i += prefix[0].length;
      out += this.string(/r/i.test(prefix[0]));
    }
  }

  private string(raw: boolean): string {
    const q = this.src[this.i];
    const triple = this.src.slice(this.i, this.i + 3) === q.repeat(3);
    const close = triple ? q.repeat(3) : q;
    this.i += close.length;
    let out = "";
    while (this.src.slice(this.i, this.i + close.length) !== close) {
      const ch = this.src[this.i];
      if (ch === undefined || (!triple && ch === "\n")) throw this.fail("unterminated string");
      if (ch === "\\" && !raw) {
        const esc = this.src[this.i + 1];
        if (esc === "x" || esc === "u" || esc === "U") {
          const len = esc === "x" ? 2 : esc === "u" ? 4 : 8;
          const hex = this.src.slice(this.i + 2, this.i + 2 + len);
          if (!/^[\da-fA-F]+$/.test(hex) || hex.length !== len) throw this.fail("bad escape");
          out += String.fromCodePoint(parseInt(hex, 16));
          this.i += 2 + len;
        } else {
          out += esc in ESCAPES ? ESCAPES[esc] : `\\${esc}`;
          this.i += 2;
        }
      } else if (ch === "\\" && raw) {
        out += ch + (this.src[this.i + 1] ?? "");
        this.i += 2;
      } else {
        out += ch;
        this.i++;
      }
    }
    this.i += close.length;
    return out;
  }
}

/** Python's ast.literal_eval on text (leading spaces and tabs ignored, as Python does). */
export function literalEval(text: string): unknown {
  return new LiteralParser(text.replace(/^[ \t]+/, "")).parseAll();
}
