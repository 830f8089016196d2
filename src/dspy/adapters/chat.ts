// DSPy's ChatAdapter: every field in its own `[[ ## name ## ]]` section, a
// `[[ ## completed ## ]]` marker after the outputs, and a parser that splits the
// answer on those headers. On any failure other than the LM's own, it retries
// once with JSONAdapter inside the same call, as DSPy does.
import type { FieldStream } from "../streaming/fields";
import { currentContext } from "../context";
import { AdapterParseError, LMError } from "../errors";
import type { LMKwargs } from "../lm";
import type { Signature } from "../signature";
import { Adapter, type AdapterLM, type AdapterOptions, type Demo, type Outputs } from "./base";
import { outputTypeInfo, translateFieldType } from "./format-value";
import { JSONAdapter } from "./json";
import { pySplitLines, pyStrip } from "./python-text";
import { ChatFieldStream } from "../streaming/chat-fields";

/** DSPy's field_header_pattern, `\w` as Python reads it (Unicode letters, digits, underscore). */
const FIELD_HEADER = /^\[\[ ## ([\p{L}\p{N}_]+) ## \]\]/u;

export interface ChatAdapterOptions extends AdapterOptions {
  /** Retry with JSONAdapter when format, parse or anything but the LM fails (default true). */
  useJsonAdapterFallback?: boolean;
}

export class ChatAdapter extends Adapter {
  readonly name: string = "ChatAdapter";
  readonly useJsonAdapterFallback: boolean;

  constructor(options: ChatAdapterOptions = {}) {
    super(options);
    this.useJsonAdapterFallback = options.useJsonAdapterFallback ?? true;
  }

  override async call(
    lm: AdapterLM,
    lmKwargs: LMKwargs,
    signature: Signature,
    demos: readonly Demo[],
    inputs: Record<string, unknown>,
  ): Promise<Outputs[]> {
    try {
      return await super.call(lm, lmKwargs, signature, demos, inputs);
    } catch (error) {
      if (error instanceof LMError || !this.useJsonAdapterFallback || currentContext().signal?.aborted) throw error;
      try {
        return await new JSONAdapter({ callbacks: this.callbacks }).call(lm, lmKwargs, signature, demos, inputs);
      } catch (jsonError) {
        // Both reasons, as DSPy's chained traceback shows them: ChatAdapter's is often the useful one.
        if (jsonError instanceof AdapterParseError && error instanceof AdapterParseError) throw jsonError.after(error);
        throw jsonError;
      }
    }
  }

  override fieldStream(signature: Signature): FieldStream {
    return new ChatFieldStream(signature.outputFields.map((f) => f.name));
  }

  /** Without native function calling, tool-call request parameters are dropped (as DSPy). */
  protected override requestKwargs(_lm: AdapterLM, kwargs: LMKwargs): LMKwargs {
    delete kwargs.tools;
    delete kwargs.tool_choice;
    delete kwargs.parallel_tool_calls;
    return kwargs;
  }

  formatFieldStructure(signature: Signature): string {
    const placeholders = (fields: Signature["inputFields"]) =>
      this.formatFieldsWithValues(fields.map((f) => [f, translateFieldType(f)]));
    const parts = [
      "All interactions will be structured in the following way, with the appropriate values filled in.",
      placeholders(signature.inputFields),
      placeholders(signature.outputFields),
      "[[ ## completed ## ]]\n",
    ];
    return pyStrip(parts.join("\n\n"));
  }

  userMessageOutputRequirements(signature: Signature): string {
    const fields = signature.outputFields.map((f) => `\`[[ ## ${f.name} ## ]]\`${outputTypeInfo(f)}`).join(", then ");
    return (
      `Respond with the corresponding output fields, starting with the field ${fields}, ` +
      "and then ending with the marker for `[[ ## completed ## ]]`."
    );
  }

  formatAssistantMessageContent(signature: Signature, outputs: Record<string, unknown>, missing?: string): string {
    const entries = signature.outputFields.map((f) => [f, f.name in outputs ? outputs[f.name] : missing] as [typeof f, unknown]);
    return `${this.formatFieldsWithValues(entries)}\n\n[[ ## completed ## ]]\n`;
  }

  protected parseCompletion(signature: Signature, completion: string): Outputs {
    const sections: [string | null, string[]][] = [[null, []]];
    for (const line of pySplitLines(completion)) {
      const match = FIELD_HEADER.exec(pyStrip(line));
      if (match) {
        // DSPy slices the *unstripped* line at the match end; an indented header keeps that quirk.
        const rest = pyStrip(line.slice(match[0].length));
        sections.push([match[1], rest ? [rest] : []]);
      } else {
        sections[sections.length - 1][1].push(line);
      }
    }
    const fields: Outputs = {};
    for (const [name, lines] of sections) {
      const field = name === null ? undefined : signature.outputFields.find((f) => f.name === name);
      if (!field || field.name in fields) continue;
      const text = pyStrip(lines.join("\n"));
      fields[field.name] = this.parseField(signature, completion, field, text, () => text);
    }
    return this.requireAll(signature, this.withDefaults(signature, fields), completion);
  }
}
