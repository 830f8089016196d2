// JSONAdapter's fields in a stream: inside the first top-level object, the
// value after key `"f":` belongs to f. A string value's text is what lies
// between its quotes (escapes as written, as DSPy streams them); any other value
// (number, list, object, true/null) is its JSON text. Keys, quotes, colons,
// commas, braces, whitespace between tokens and anything around the object
// (prose, code fences) are null. Each character's field is known when it
// arrives, so nothing is held back.
import { type FieldPiece, type FieldStream, PieceList } from "./fields";

type State = "before" | "key-wait" | "key" | "colon" | "value-wait" | "string" | "nested" | "scalar" | "after" | "done";

export class JsonFieldStream implements FieldStream {
  private readonly out = new PieceList();
  private readonly seen = new Set<string>();
  private state: State = "before";
  private key = "";
  private field: string | null = null;
  private escaped = false;
  /** Nesting inside a list/object value, and whether we are in a string there. */
  private depth = 0;
  private nestedString = false;

  constructor(private readonly outputFields: readonly string[]) {}

  push(text: string): FieldPiece[] {
    for (const ch of text) this.step(ch);
    return this.out.take();
  }

  end(): FieldPiece[] {
    return this.out.take();
  }

  private step(ch: string): void {
    switch (this.state) {
      case "before":
        if (ch === "{") this.state = "key-wait";
        return this.out.add(ch, null);
      case "key-wait":
        if (ch === '"') {
          this.state = "key";
          this.key = "";
          this.escaped = false;
        } else if (ch === "}") this.state = "done";
        return this.out.add(ch, null);
      case "key":
        if (this.escaped) this.escaped = false;
        else if (ch === "\\") this.escaped = true;
        else if (ch === '"') this.state = "colon";
        if (this.state === "key" && !(ch === "\\" && this.escaped)) this.key += ch;
        return this.out.add(ch, null);
      case "colon":
        if (ch === ":") {
          this.state = "value-wait";
          const isNew = this.outputFields.includes(this.key) && !this.seen.has(this.key);
          if (isNew) this.seen.add(this.key);
          this.field = isNew ? this.key : null;
        }
        return this.out.add(ch, null);
      case "value-wait":
        if (/\s/.test(ch)) return this.out.add(ch, null);
        if (ch === '"') {
          this.state = "string";
          this.escaped = false;
          return this.out.add(ch, null);
        }
        if (ch === "{" || ch === "[") {
          this.state = "nested";
          this.depth = 1;
          this.nestedString = false;
          this.escaped = false;
        } else this.state = "scalar";
        return this.out.add(ch, this.field);
      case "string":
        if (this.escaped) this.escaped = false;
        else if (ch === "\\") this.escaped = true;
        else if (ch === '"') {
          this.state = "after";
          return this.out.add(ch, null);
        }
        return this.out.add(ch, this.field);
      case "nested":
        if (this.nestedString) {
          if (this.escaped) this.escaped = false;
          else if (ch === "\\") this.escaped = true;
          else if (ch === '"') this.nestedString = false;
        } else if (ch === '"') this.nestedString = true;
        else if (ch === "{" || ch === "[") this.depth++;
        else if (ch === "}" || ch === "]") this.depth--;
        this.out.add(ch, this.field);
        if (this.depth === 0) this.state = "after";
        return;
      case "scalar":
        if (ch === "," || ch === "}" || /\s/.test(ch)) {
          this.state = "after";
          return this.step(ch);
        }
        return this.out.add(ch, this.field);
      case "after":
        if (ch === ",") this.state = "key-wait";
        else if (ch === "}") this.state = "done";
        this.field = null;
        return this.out.add(ch, null);
      case "done":
        return this.out.add(ch, null);
    }
  }
}
