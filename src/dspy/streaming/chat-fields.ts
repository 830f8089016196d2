// ChatAdapter's fields in a stream: a line whose stripped text starts with
// `[[ ## name ## ]]` opens `name` (the rest of that line is already its value),
// exactly where ChatAdapter.parse splits sections. Only output fields count, and
// only their first section (the parser keeps the first); `[[ ## completed ## ]]`,
// unknown names and the preamble are null. A line start that could still grow
// into a header is held back until it does or cannot.
import { BufferedFieldStream } from "./fields";

const HEADER = /^[^\S\n]*\[\[ ## ([\p{L}\p{N}_]+) ## \]\]/u;
const OPENING = "[[ ## ";
const NAME_THEN_CLOSING = /^(?:[\p{L}\p{N}_]+(?: (?:#(?:#(?: (?:\](?:\])?)?)?)?)?)?)?$/u;

/** True while `line` (no newline yet) may still become a header line. */
function couldBeHeader(line: string): boolean {
  const rest = line.replace(/^[^\S\n]+/, "");
  if (rest.length <= OPENING.length) return OPENING.startsWith(rest);
  if (!rest.startsWith(OPENING)) return false;
  // "[[ ## name ## ]" is still open; a finished header is matched by HEADER before this runs.
  return NAME_THEN_CLOSING.test(rest.slice(OPENING.length));
}

export class ChatFieldStream extends BufferedFieldStream {
  private readonly seen = new Set<string>();
  private atLineStart = true;

  constructor(private readonly outputFields: readonly string[]) {
    super();
  }

  protected drain(final: boolean): void {
    while (this.buffer) {
      if (this.atLineStart) {
        const header = HEADER.exec(this.buffer);
        if (header) {
          this.value.close();
          this.out.add(header[0], null);
          const name = header[1];
          const isNew = this.outputFields.includes(name) && !this.seen.has(name);
          if (isNew) this.seen.add(name);
          this.value.open(isNew ? name : null);
          this.buffer = this.buffer.slice(header[0].length);
          this.atLineStart = false;
          continue;
        }
        const newline = this.buffer.indexOf("\n");
        const line = newline < 0 ? this.buffer : this.buffer.slice(0, newline);
        if (newline < 0 && !final && couldBeHeader(line)) return;
        this.atLineStart = false;
      }
      const newline = this.buffer.indexOf("\n");
      if (newline < 0) {
        this.value.text(this.buffer);
        this.buffer = "";
        return;
      }
      this.value.text(this.buffer.slice(0, newline + 1));
      this.buffer = this.buffer.slice(newline + 1);
      this.atLineStart = true;
    }
  }
}
