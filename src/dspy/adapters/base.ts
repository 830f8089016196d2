// The adapter: turns a signature, demos and inputs into chat messages, calls
// the LM, and reads each choice back into typed outputs (DSPy's
// dspy/adapters/base.py). What every adapter shares lives here: the message
// layout (system, demo pairs, final user message), the field list, the
// objective, demo ordering; subclasses supply the structure block, the output
// reminder, demo answers and the parser.
import { withCallbacksSync, type Callback, type HasCallbacks } from "../callbacks";
import { context } from "../context";
import type { FieldStream } from "../streaming/fields";
import { AdapterParseError, excerpt } from "../errors";
import type { Message } from "../events";
import type { LM, LMKwargs } from "../lm";
import type { Field, Signature } from "../signature";
import { allowsNone } from "../types";
import { describeFields, formatFieldValue } from "./format-value";
import { parseValue } from "./parse-value";
import { dedent, pySplitLines, pyStrip } from "./python-text";

/** What an adapter needs of an LM (an `LM`, or anything shaped like one). */
export type AdapterLM = Pick<LM, "model" | "kwargs" | "supportsResponseSchema" | "call">;

/** A few-shot example: values for some or all of the signature's fields. */
export type Demo = Record<string, unknown>;

export type Outputs = Record<string, unknown>;

export interface AdapterOptions {
  /** Instance callbacks: run after the context's, for this adapter's format/parse. */
  callbacks?: Callback[];
}

/** Fields the user actually supplied (`k in inputs` in DSPy; undefined counts as absent). */
export function has(values: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(values, key) && values[key] !== undefined;
}

export const INCOMPLETE_DEMO_PREFIX =
  "This is an example of the task, though some input or output fields are not supplied.";
export const MISSING_IN_DEMO = "Not supplied for this particular example. ";
export const MISSING_IN_HISTORY = "Not supplied for this conversation history message. ";

export abstract class Adapter implements HasCallbacks {
  /** The class name events carry ("ChatAdapter"); explicit so minified builds keep it. */
  abstract readonly name: string;
  callbacks?: Callback[];

  constructor(options: AdapterOptions = {}) {
    this.callbacks = options.callbacks;
  }

  /** Signature + demos + inputs → messages; fires adapter_format events. */
  format(signature: Signature, demos: readonly Demo[], inputs: Record<string, unknown>): Message[] {
    return withCallbacksSync("adapter_format", this, { signature, demos, inputs }, () =>
      this.formatMessages(signature, demos, inputs),
    );
  }

  /** One completion → outputs; fires adapter_parse events; throws AdapterParseError naming the field. */
  parse(signature: Signature, completion: string): Outputs {
    return withCallbacksSync("adapter_parse", this, { signature, completion }, () =>
      this.parseCompletion(signature, completion),
    );
  }

  /** format → LM → parse each choice. The caller's kwargs object is never modified. */
  async call(
    lm: AdapterLM,
    lmKwargs: LMKwargs,
    signature: Signature,
    demos: readonly Demo[],
    inputs: Record<string, unknown>,
  ): Promise<Outputs[]> {
    const kwargs = this.requestKwargs(lm, { ...lmKwargs }, signature);
    const messages = this.format(signature, demos, inputs);
    const { texts } = await context({ fieldStream: () => this.fieldStream(signature) }, () => lm.call(messages, kwargs));
    return texts.map((text) => {
      // As DSPy: an empty choice fails before parsing, so no parse event fires for it.
      if (!text) throw this.parseError(signature, String(text ?? ""), "The LM returned an empty or null response.");
      return this.parse(signature, text);
    });
  }

  /**
   * Splits a streamed completion by output field, the way this adapter's parser reads it (lm_delta.field).
   * An adapter without one streams deltas with no `field`. ChatAdapter, JSONAdapter and XMLAdapter
   * (`new XmlFieldStream(names)` from streaming/xml-fields.ts) have theirs.
   */
  fieldStream(_signature: Signature): FieldStream | undefined {
    return undefined;
  }

  /** Adjusts the LM request for this adapter (JSONAdapter adds response_format). */
  protected requestKwargs(_lm: AdapterLM, kwargs: LMKwargs, _signature: Signature): LMKwargs {
    return kwargs;
  }

  protected parseError(
    signature: Signature,
    completion: string,
    message?: string,
    field?: string,
    parsed?: string[],
  ): AdapterParseError {
    const expected = signature.outputFields.map((f) => f.name).join(", ");
    return new AdapterParseError(this.name, expected, completion, message, field, parsed);
  }

  // ------------------------------------------------------------ message layout

  protected formatMessages(signature: Signature, demos: readonly Demo[], inputs: Record<string, unknown>): Message[] {
    const messages: Message[] = [{ role: "system", content: this.formatSystemMessage(signature) }];
    messages.push(...this.formatDemos(signature, demos));
    const content = this.formatUserMessageContent(signature, inputs, { mainRequest: true });
    if (content) messages.push({ role: "user", content });
    return messages;
  }

  formatSystemMessage(signature: Signature): string {
    return `${this.formatFieldDescription(signature)}\n${this.formatFieldStructure(signature)}\n${this.formatTaskDescription(signature)}`;
  }

  formatFieldDescription(signature: Signature): string {
    return (
      `Your input fields are:\n${describeFields(signature.inputFields)}\n` +
      `Your output fields are:\n${describeFields(signature.outputFields)}`
    );
  }

  abstract formatFieldStructure(signature: Signature): string;

  /** The instructions, each line indented by 8 spaces after the lead-in. */
  formatTaskDescription(signature: Signature): string {
    const lines = pySplitLines(dedent(signature.instructions));
    return `In adhering to this structure, your objective is: ${["", ...lines].join("\n" + " ".repeat(8))}`;
  }

  /** `[[ ## name ## ]]\nvalue` blocks joined by blank lines. */
  protected formatFieldsWithValues(entries: [Field, unknown][]): string {
    return pyStrip(entries.map(([f, v]) => `[[ ## ${f.name} ## ]]\n${formatFieldValue(f, v)}`).join("\n\n"));
  }

  formatUserMessageContent(
    signature: Signature,
    inputs: Record<string, unknown>,
    options: { prefix?: string; suffix?: string; mainRequest?: boolean } = {},
  ): string {
    const parts = [options.prefix ?? ""];
    for (const field of signature.inputFields) {
      if (has(inputs, field.name)) parts.push(`[[ ## ${field.name} ## ]]\n${formatFieldValue(field, inputs[field.name])}`);
    }
    if (options.mainRequest) parts.push(this.userMessageOutputRequirements(signature));
    parts.push(options.suffix ?? "");
    return pyStrip(parts.join("\n\n"));
  }

  abstract userMessageOutputRequirements(signature: Signature): string;

  abstract formatAssistantMessageContent(signature: Signature, outputs: Record<string, unknown>, missing?: string): string;

  /** Demo pairs: incomplete ones first (flagged), then complete ones; demos lacking inputs or outputs are dropped. */
  formatDemos(signature: Signature, demos: readonly Demo[]): Message[] {
    const complete: Demo[] = [];
    const incomplete: Demo[] = [];
    for (const demo of demos) {
      const isComplete = signature.fields.every((f) => has(demo, f.name) && demo[f.name] !== null);
      const hasInput = signature.inputFields.some((f) => has(demo, f.name));
      const hasOutput = signature.outputFields.some((f) => has(demo, f.name));
      if (isComplete) complete.push(demo);
      else if (hasInput && hasOutput) incomplete.push(demo);
    }
    const messages: Message[] = [];
    for (const demo of incomplete) {
      messages.push({ role: "user", content: this.formatUserMessageContent(signature, demo, { prefix: INCOMPLETE_DEMO_PREFIX }) });
      messages.push({ role: "assistant", content: this.formatAssistantMessageContent(signature, demo, MISSING_IN_DEMO) });
    }
    for (const demo of complete) {
      messages.push({ role: "user", content: this.formatUserMessageContent(signature, demo) });
      messages.push({ role: "assistant", content: this.formatAssistantMessageContent(signature, demo, MISSING_IN_HISTORY) });
    }
    return messages;
  }

  protected abstract parseCompletion(signature: Signature, completion: string): Outputs;

  /** One field's value as its type; a failure names the field and the value as the LM wrote it (`shown`, built only then). */
  protected parseField(signature: Signature, completion: string, field: Field, value: unknown, shown: () => string): unknown {
    try {
      return parseValue(value, field.type);
    } catch (error) {
      throw this.parseError(
        signature,
        completion,
        `Failed to parse field ${field.name} with value ${excerpt(shown(), 1000)} from the LM response. Error message: ${excerpt((error as Error).message, 1000)}`,
        field.name,
      );
    }
  }

  /** Output fields that admit None and were not produced become null (DSPy's apply_output_field_defaults). */
  protected withDefaults(signature: Signature, fields: Outputs): Outputs {
    const out: Outputs = {};
    for (const field of signature.outputFields) {
      if (field.name in fields) out[field.name] = fields[field.name];
      else if (allowsNone(field.type)) out[field.name] = null;
    }
    return out;
  }

  /** Throws unless every output field is present; the error lists what was parsed (as DSPy's does). */
  protected requireAll(signature: Signature, fields: Outputs, completion: string): Outputs {
    const missing = signature.outputFields.filter((f) => !(f.name in fields)).map((f) => f.name);
    if (missing.length > 0) throw this.parseError(signature, completion, undefined, missing[0], Object.keys(fields));
    return fields;
  }
}
