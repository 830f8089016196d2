// A strict XML reader shaped like Python's xml.etree.ElementTree (over expat),
// for XMLAdapter: elements with `text` (before the first child) and `tail`
// (after the element), entities decoded, comments and processing instructions
// dropped, CDATA kept as text. Malformed input fails with expat's wording and
// position ("mismatched tag: line 1, column 20"), as `ET.fromstring` does.

export interface XmlElement {
  tag: string;
  attrib: Record<string, string>;
  /** Text before the first child; null when there is none (ElementTree's None). */
  text: string | null;
  /** Text after this element's end tag, inside its parent; null when none. */
  tail: string | null;
  children: XmlElement[];
}

export class XmlParseError extends Error {
  override name = "ParseError";
}

const NAME_START = /[:A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
const NAME_CHAR = /[-.0-9:A-Z_a-z\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C-\u200D\u203F-\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
// Characters XML 1.0 forbids anywhere (expat: "not well-formed (invalid token)").
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

class Reader {
  pos = 0;
  constructor(readonly src: string) {}

  /** expat's position: line from 1, column from 0 (in UTF-16 units, close to expat's for BMP text). */
  fail(message: string, at = this.pos): never {
    const before = this.src.slice(0, at);
    const line = before.split("\n").length;
    const column = at - (before.lastIndexOf("\n") + 1);
    throw new XmlParseError(`${message}: line ${line}, column ${column}`);
  }

  name(): string {
    const start = this.pos;
    if (!NAME_START.test(this.src[this.pos] ?? "")) this.fail("not well-formed (invalid token)");
    this.pos++;
    while (this.pos < this.src.length && NAME_CHAR.test(this.src[this.pos])) this.pos++;
    return this.src.slice(start, this.pos);
  }

  spaces(): boolean {
    const start = this.pos;
    while (/[ \t\n]/.test(this.src[this.pos] ?? "")) this.pos++;
    return this.pos > start;
  }

  /** `&…;` at pos: the character(s) it stands for. Like expat, a malformed one fails at its first bad character. */
  reference(): string {
    const start = this.pos;
    this.pos++;
    if (this.src[this.pos] === "#") {
      this.pos++;
      const hex = this.src[this.pos] === "x";
      if (hex) this.pos++;
      const digit = hex ? /[0-9a-fA-F]/ : /[0-9]/;
      const first = this.pos;
      while (digit.test(this.src[this.pos] ?? "")) this.pos++;
      if (this.pos === first || this.src[this.pos] !== ";") this.fail("not well-formed (invalid token)");
      const code = Number.parseInt(this.src.slice(first, this.pos), hex ? 16 : 10);
      this.pos++;
      const valid = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
      if (!valid) this.fail("reference to invalid character number", start);
      return String.fromCodePoint(code);
    }
    const name = this.name();
    if (this.src[this.pos] !== ";") this.fail("not well-formed (invalid token)");
    this.pos++;
    const value = PREDEFINED[name];
    if (value === undefined) this.fail("undefined entity", start);
    return value;
  }
}

/** `ET.fromstring(text)`: the root element, or an XmlParseError in expat's words. */
export function parseXml(input: string): XmlElement {
  // XML end-of-line handling: \r\n and lone \r become \n before anything else.
  const r = new Reader(input.replace(/\r\n?/g, "\n"));
  const src = r.src;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  /** Where character data goes now: the open element's text, or its last child's tail. */
  const addText = (text: string) => {
    const open = stack[stack.length - 1];
    if (!open) return;
    const last = open.children[open.children.length - 1];
    if (last) last.tail = (last.tail ?? "") + text;
    else open.text = (open.text ?? "") + text;
  };

  while (r.pos < src.length) {
    const ch = src[r.pos];
    if (ch === "<") {
      const start = r.pos;
      if (src.startsWith("<!--", r.pos)) {
        const end = src.indexOf("-->", r.pos + 4);
        if (end < 0) r.fail("unclosed token", start);
        const dashes = src.indexOf("--", r.pos + 4);
        if (dashes < end) r.fail("not well-formed (invalid token)", dashes + 2);
        r.pos = end + 3;
        continue;
      }
      if (src.startsWith("<![CDATA[", r.pos)) {
        if (!stack.length) r.fail("not well-formed (invalid token)", start);
        const end = src.indexOf("]]>", r.pos + 9);
        if (end < 0) r.fail("unclosed CDATA section", src.length);
        addText(src.slice(r.pos + 9, end));
        r.pos = end + 3;
        continue;
      }
      if (src.startsWith("<?", r.pos)) {
        r.pos += 2;
        const target = r.name();
        if (target.toLowerCase() === "xml") r.fail("XML or text declaration not at start of entity", start);
        const end = src.indexOf("?>", r.pos);
        if (end < 0) r.fail("unclosed token", start);
        r.pos = end + 2;
        continue;
      }
      if (src.startsWith("<!", r.pos)) r.fail("not well-formed (invalid token)", start + 2);
      if (src[r.pos + 1] === "/") {
        r.pos += 2;
        const name = r.name();
        r.spaces();
        if (src[r.pos] !== ">") r.fail("not well-formed (invalid token)");
        r.pos++;
        const open = stack.pop();
        if (!open || open.tag !== name) r.fail("mismatched tag", start + 2);
        continue;
      }
      r.pos++;
      if (!stack.length && root) r.fail("junk after document element", start);
      const tag = r.name();
      const attrib: Record<string, string> = {};
      for (;;) {
        const spaced = r.spaces();
        if (src[r.pos] === ">" || src.startsWith("/>", r.pos)) break;
        if (r.pos >= src.length) r.fail("unclosed token", start);
        if (src[r.pos] === "/") r.fail("not well-formed (invalid token)", r.pos + 1);
        if (!spaced) r.fail("not well-formed (invalid token)");
        const attrStart = r.pos;
        const attr = r.name();
        r.spaces();
        if (src[r.pos] !== "=") r.fail("not well-formed (invalid token)");
        r.pos++;
        r.spaces();
        const quote = src[r.pos];
        if (quote !== '"' && quote !== "'") r.fail("not well-formed (invalid token)");
        r.pos++;
        let value = "";
        while (src[r.pos] !== quote) {
          if (r.pos >= src.length) r.fail("unclosed token", start);
          const c = src[r.pos];
          if (c === "<") r.fail("not well-formed (invalid token)");
          if (c === "&") value += r.reference();
          else {
            if (FORBIDDEN.test(c)) r.fail("not well-formed (invalid token)");
            // Attribute-value normalization: whitespace characters become spaces.
            value += c === "\n" || c === "\t" ? " " : c;
            r.pos++;
          }
        }
        r.pos++;
        if (attr in attrib) r.fail("duplicate attribute", attrStart);
        attrib[attr] = value;
      }
      for (const name of [tag, ...Object.keys(attrib)]) {
        // ElementTree's parser resolves namespaces: a prefix nobody declared is an error.
        if (name.includes(":") && !name.startsWith("xml")) r.fail("unbound prefix", start);
      }
      const element: XmlElement = { tag, attrib, text: null, tail: null, children: [] };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else root = element;
      if (src.startsWith("/>", r.pos)) {
        r.pos += 2;
      } else {
        r.pos++;
        stack.push(element);
      }
      continue;
    }
    // Character data up to the next markup.
    let text = "";
    while (r.pos < src.length && src[r.pos] !== "<") {
      const c = src[r.pos];
      if (c === "&") {
        text += r.reference();
        continue;
      }
      if (FORBIDDEN.test(c)) r.fail("not well-formed (invalid token)");
      if (c === "]" && src.startsWith("]]>", r.pos)) r.fail("not well-formed (invalid token)", r.pos + 2);
      text += c;
      r.pos++;
    }
    if (!stack.length && text.trim()) r.fail(root ? "junk after document element" : "syntax error", r.pos - text.length);
    addText(text);
  }
  if (stack.length) r.fail(root ? "unclosed token" : "no element found");
  if (!root) return r.fail("no element found");
  return root;
}

function escapeText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function escapeAttribute(text: string): string {
  return escapeText(text).replaceAll('"', "&quot;").replaceAll("\r", "&#13;").replaceAll("\n", "&#10;").replaceAll("\t", "&#09;");
}

/** `ET.tostring(element, encoding="unicode")`: the element, its children and its tail; empty ones as `<tag />`. */
export function xmlToString(element: XmlElement): string {
  const attrs = Object.entries(element.attrib)
    .map(([k, v]) => ` ${k}="${escapeAttribute(v)}"`)
    .join("");
  const tail = element.tail ? escapeText(element.tail) : "";
  if (!element.text && element.children.length === 0) return `<${element.tag}${attrs} />${tail}`;
  const inner = (element.text ? escapeText(element.text) : "") + element.children.map(xmlToString).join("");
  return `<${element.tag}${attrs}>${inner}</${element.tag}>${tail}`;
}
