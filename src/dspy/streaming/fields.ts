// Which output field each streamed token belongs to, like DSPy's StreamListener
// (dspy/streaming/streaming_listener.py), but for every field at once and with
// chunk boundaries anywhere. An adapter supplies a FieldStream for its format
// (ChatAdapter `[[ ## f ## ]]`, JSONAdapter `"f":`, XMLAdapter `<f>`); the LM
// pushes each delta through it and emits the pieces it returns.
//
// Invariants (what lm_delta.field promises):
// - the pieces' text, concatenated, is exactly the completion (nothing is dropped or reordered);
// - a piece with `field: f` is text of f's value as the adapter's parser reads it; markers, keys,
//   quotes, tags, separators and the whitespace the parser strips come as `field: null`;
// - text that could still turn out to be a marker is held back until it is decided, so a marker
//   split across deltas never leaks into a field's text.

/** A run of completion text and the output field it belongs to (null: outside any field). */
export interface FieldPiece {
  text: string;
  field: string | null;
}

/** Splits a completion, fed in arbitrary chunks, into field pieces. One instance per completion. */
export interface FieldStream {
  /** The pieces decided by this chunk (possibly none: text held back). */
  push(text: string): FieldPiece[];
  /** The completion ended: everything still held back. */
  end(): FieldPiece[];
}

/** Collects pieces, merging neighbours of the same field and dropping empty ones. */
export class PieceList {
  readonly pieces: FieldPiece[] = [];

  add(text: string, field: string | null): void {
    if (!text) return;
    const last = this.pieces[this.pieces.length - 1];
    if (last && last.field === field) last.text += text;
    else this.pieces.push({ text, field });
  }

  take(): FieldPiece[] {
    return this.pieces.splice(0);
  }
}

const LEADING_WS = /^\s+/;
const TRAILING_WS = /\s+$/;

/**
 * A field's value text with its edges stripped as the parsers strip them
 * (Python's str.strip()): leading whitespace goes out as null at once;
 * trailing whitespace is held until more text shows it was inside the value,
 * or the value closes and it turns out to be a separator.
 */
export class StrippedValue {
  field: string | null = null;
  private started = false;
  private heldWhitespace = "";

  constructor(private readonly out: PieceList) {}

  open(field: string | null): void {
    this.close();
    this.field = field;
    this.started = false;
  }

  /** Text inside the current value (or outside any, when field is null). */
  text(text: string): void {
    if (!text) return;
    if (this.field === null) return this.out.add(text, null);
    if (!this.started) {
      const lead = LEADING_WS.exec(text)?.[0] ?? "";
      this.out.add(lead, null);
      text = text.slice(lead.length);
      if (!text) return;
      this.started = true;
    }
    const trail = TRAILING_WS.exec(text)?.[0] ?? "";
    const body = text.slice(0, text.length - trail.length);
    if (body) {
      this.out.add(this.heldWhitespace + body, this.field);
      this.heldWhitespace = trail;
    } else this.heldWhitespace += trail;
  }

  /** The value ended: held whitespace was a separator. */
  close(): void {
    this.out.add(this.heldWhitespace, null);
    this.heldWhitespace = "";
    this.field = null;
  }
}

/**
 * A field stream over a text buffer: each chunk is appended and `drain`
 * consumes what it can decide, leaving what may still grow into a marker; at
 * the end, whatever is left is value text.
 */
export abstract class BufferedFieldStream implements FieldStream {
  protected readonly out = new PieceList();
  protected readonly value = new StrippedValue(this.out);
  protected buffer = "";

  push(text: string): FieldPiece[] {
    this.buffer += text;
    this.drain(false);
    return this.out.take();
  }

  end(): FieldPiece[] {
    this.drain(true);
    this.value.text(this.buffer);
    this.buffer = "";
    this.value.close();
    return this.out.take();
  }

  /** Consumes the buffer as far as it can be decided (all of it when `final`). */
  protected abstract drain(final: boolean): void;
}
