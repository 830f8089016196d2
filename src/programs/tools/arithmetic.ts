// A small arithmetic evaluator (Workers forbid eval/new Function, and a tool
// should never run arbitrary code anyway): numbers, + - * / % ^ **, parentheses,
// unary minus, constants pi/e and a few functions.
const FUNCTIONS: Record<string, (...xs: number[]) => number> = {
  sqrt: Math.sqrt, abs: Math.abs, round: Math.round, floor: Math.floor, ceil: Math.ceil,
  sin: Math.sin, cos: Math.cos, tan: Math.tan, exp: Math.exp, ln: Math.log, log: Math.log10,
  log2: Math.log2, min: Math.min, max: Math.max, pow: Math.pow,
};
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };

export class ArithmeticError extends Error {
  override name = "ArithmeticError";
}

export function evaluate(expression: string): number {
  const tokens = expression.match(/\d+(?:\.\d+)?(?:e[+-]?\d+)?|\.\d+|\*\*|[A-Za-z_]\w*|[-+*/%^(),]|\S/g) ?? [];
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const expect = (t: string) => {
    if (next() !== t) throw new ArithmeticError(`expected "${t}" in ${JSON.stringify(expression)}`);
  };

  const primary = (): number => {
    const t = next();
    if (t === undefined) throw new ArithmeticError(`unexpected end of ${JSON.stringify(expression)}`);
    if (t === "(") {
      const v = sum();
      expect(")");
      return v;
    }
    if (t === "-") return -power();
    if (t === "+") return power();
    if (/^(\d|\.\d)/.test(t)) return Number(t);
    const name = t.toLowerCase();
    if (name in FUNCTIONS && peek() === "(") {
      next();
      const args = [sum()];
      while (peek() === ",") {
        next();
        args.push(sum());
      }
      expect(")");
      return FUNCTIONS[name](...args);
    }
    if (name in CONSTANTS) return CONSTANTS[name];
    throw new ArithmeticError(`unknown symbol "${t}" in ${JSON.stringify(expression)}`);
  };
  const power = (): number => {
    const base = primary();
    if (peek() === "^" || peek() === "**") {
      next();
      return base ** unary();
    }
    return base;
  };
  const unary = (): number => (peek() === "-" ? (next(), -unary()) : power());
  const product = (): number => {
    let v = unary();
    while (peek() === "*" || peek() === "/" || peek() === "%") {
      const op = next();
      const r = unary();
      v = op === "*" ? v * r : op === "/" ? v / r : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === "+" || peek() === "-") v = next() === "+" ? v + product() : v - product();
    return v;
  };

  const value = sum();
  if (pos < tokens.length) throw new ArithmeticError(`unexpected "${tokens[pos]}" in ${JSON.stringify(expression)}`);
  if (!Number.isFinite(value)) throw new ArithmeticError(`${JSON.stringify(expression)} has no finite value`);
  return value;
}

/** Rounds away float noise (0.1 + 0.2) without hiding real decimals. */
export function tidy(value: number): number {
  return Number.isInteger(value) ? value : Number(value.toPrecision(12));
}

const WORDS: [RegExp, string][] = [
  // "15% of 240" is a percentage, not 15 modulo something.
  [/(\d+(?:\.\d+)?)\s*(?:%|\s+per\s*cent)\s+of\b/gi, "($1 / 100) *"],
  [/\bplus\b/gi, "+"], [/\bminus\b/gi, "-"], [/\b(times|multiplied by)\b/gi, "*"], [/[×x](?=\s*\d)/g, "*"],
  [/\bdivided by\b/gi, "/"], [/÷/g, "/"], [/\b(to the power of|raised to)\b/gi, "^"], [/\bsquared\b/gi, "^2"],
  [/\bcubed\b/gi, "^3"], [/\bsquare root of\s*(\d+(?:\.\d+)?)/gi, "sqrt($1)"], [/\bsquare root of\b/gi, "sqrt"],
  [/(\d),(\d{3})\b/g, "$1$2"],
];

/** Finds the arithmetic expression in a question ("What is 17 times 23?" → "17 * 23"), if any. */
export function findExpression(text: string): string | null {
  let t = text;
  for (const [re, sub] of WORDS) t = t.replace(re, sub);
  const candidates = t.match(/(?:sqrt\s*)?[-(]*\s*\d[\d.\s()+\-*/%^]*(?:sqrt\s*\(?[\d.\s()+\-*/%^]*)*/g) ?? [];
  const withOperator = candidates
    .map((c) => c.trim().replace(/[\s(+\-*/%^]+$/, ""))
    .filter((c) => /\d\s*(\*\*|[-+*/%^])\s*[-(]*\s*(\d|sqrt)|sqrt\s*\(?\s*\d/.test(c));
  for (const c of withOperator.sort((a, b) => b.length - a.length)) {
    const balanced = balance(c);
    try {
      evaluate(balanced);
      return balanced;
    } catch {
      // not an expression after all; try the next candidate
    }
  }
  return null;
}

function balance(expr: string): string {
  let depth = 0;
  for (const ch of expr) depth += ch === "(" ? 1 : ch === ")" ? -1 : 0;
  return depth > 0 ? expr + ")".repeat(depth) : depth < 0 ? expr.replace(/^\)+|\)+$/g, "") : expr;
}
