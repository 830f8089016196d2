// XMLAdapter's fields in a stream: DSPy's XMLAdapter parses the completion as
// the children of a root element, so a top-level `<f>` opens output field f and
// its matching `</f>` closes it (tags nested inside belong to the value). The
// value's text is stripped at both ends as the parser strips it; tags, the
// whitespace around values and text between elements are null. A `<` is held
// back until its tag is complete (or cannot be a tag), so a tag split across
// deltas never leaks into a value.
import { BufferedFieldStream } from "./fields";

const TAG = /^<(\/?)([A-Za-z_][\w.-]*)(?:\s[^<>]*?)?(\/?)>$/;
/** A prefix that may still grow into a tag. */
const PARTIAL_TAG = /^<\/?(?:[A-Za-z_][\w.-]*(?:\s[^<>]*)?\/?)?$/;
const MAX_TAG = 200;

export class XmlFieldStream extends BufferedFieldStream {
  /** The output field being written, and how deep inside it nested tags are. */
  private open: string | null = null;
  private nested = 0;

  constructor(private readonly outputFields: readonly string[]) {
    super();
  }

  protected drain(final: boolean): void {
    while (this.buffer) {
      const lt = this.buffer.indexOf("<");
      if (lt < 0) {
        this.value.text(this.buffer);
        this.buffer = "";
        return;
      }
      if (lt > 0) {
        this.value.text(this.buffer.slice(0, lt));
        this.buffer = this.buffer.slice(lt);
      }
      const gt = this.buffer.indexOf(">");
      const candidate = gt < 0 ? this.buffer : this.buffer.slice(0, gt + 1);
      const tag = gt < 0 ? null : TAG.exec(candidate);
      if (!tag) {
        if (gt < 0 && !final && candidate.length < MAX_TAG && PARTIAL_TAG.test(candidate)) return;
        // Not a tag: the `<` is plain text.
        this.value.text("<");
        this.buffer = this.buffer.slice(1);
        continue;
      }
      this.buffer = this.buffer.slice(candidate.length);
      this.onTag(candidate, tag[1] === "/", tag[2], tag[3] === "/");
    }
  }

  private onTag(text: string, closing: boolean, name: string, selfClosing: boolean): void {
    if (this.open === null) {
      if (!closing && !selfClosing && this.outputFields.includes(name)) {
        this.value.open(name);
        this.open = name;
        this.nested = 0;
        this.out.add(text, null);
      } else this.value.text(text);
      return;
    }
    if (closing && name === this.open && this.nested === 0) {
      this.value.close();
      this.out.add(text, null);
      this.open = null;
      return;
    }
    if (!selfClosing) this.nested += closing ? -1 : 1;
    this.value.text(text);
  }
}
