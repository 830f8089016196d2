// DSPy's JSONAdapter: inputs in `[[ ## name ## ]]` sections, outputs as one
// JSON object; asks the provider for structured output when it can
// (`response_format`), and reads the answer with JSON repair.
import type { FieldStream } from "../streaming/fields";
import type { LMKwargs } from "../lm";
import type { Field, Signature } from "../signature";
import { pydanticJsonSchema, type JsonSchema } from "../types";
import { currentContext } from "../context";
import { LMError } from "../errors";
import { Adapter, type AdapterLM, type Demo, type Outputs } from "./base";
import { outputTypeInfo, toJsonable, translateFieldType } from "./format-value";
import { firstBalancedObject, repairJson } from "./json-repair";
import { plainNumbers, pyJsonDumps, pyStrip, PyNumber, type NumberHint } from "./python-text";
import { parseValue } from "./parse-value";
import { numberHint } from "../types";
import { JsonFieldStream } from "../streaming/json-fields";

/** pydantic's default field title: str.title() with underscores as spaces ("next_tool_args" → "Next Tool Args"). */
function pydanticTitle(name: string): string {
  let out = "";
  let prevCased = false;
  for (const ch of name) {
    const cased = ch.toLowerCase() !== ch.toUpperCase();
    out += cased ? (prevCased ? ch.toLowerCase() : ch.toUpperCase()) : ch;
    prevCased = cased;
  }
  return out.replaceAll("_", " ");
}

function sortKeys(schema: JsonSchema): JsonSchema {
  return Object.fromEntries(Object.keys(schema).sort().map((k) => [k, schema[k]]));
}

/** Objects get every property required and no extras (OpenAI structured outputs' rules), recursively. */
function enforceRequired(schema: JsonSchema): void {
  if (schema.type === "object") {
    const props = schema.properties as Record<string, JsonSchema> | undefined;
    if (props) {
      schema.required = Object.keys(props);
      schema.additionalProperties = false;
      for (const sub of Object.values(props)) if (sub && typeof sub === "object") enforceRequired(sub);
    } else {
      schema.properties = {};
      schema.required = [];
      schema.additionalProperties = false;
    }
  }
  if (schema.type === "array" && schema.items && typeof schema.items === "object") enforceRequired(schema.items as JsonSchema);
}

/** True when an output is an open-ended mapping (dict[...]): structured outputs cannot describe it. */
export function hasOpenEndedMapping(signature: Signature): boolean {
  return signature.outputFields.some((f) => f.type.kind === "dict");
}

/** The JSON schema DSPy sends as structured output: a pydantic model "DSPyProgramOutputs" of the outputs. */
export function structuredOutputSchema(signature: Signature): JsonSchema {
  const dict = signature.outputFields.find((f) => f.type.kind === "dict");
  if (dict) throw new Error(`Field '${dict.name}' has an open-ended mapping type which is not supported by Structured Outputs.`);
  const properties = Object.fromEntries(
    signature.outputFields.map((f) => [f.name, sortKeys({ ...pydanticJsonSchema(f.type), title: pydanticTitle(f.name) })]),
  );
  const schema: JsonSchema = {
    additionalProperties: false,
    properties,
    required: signature.outputFields.map((f) => f.name),
    title: "DSPyProgramOutputs",
    type: "object",
  };
  enforceRequired(schema);
  return schema;
}

/** The `response_format` JSONAdapter asks for: strict json_schema, json_object for open dicts, none if unsupported. */
export function responseFormat(lm: AdapterLM, signature: Signature): Record<string, unknown> | undefined {
  if (!lm.supportsResponseSchema) return undefined;
  if (hasOpenEndedMapping(signature)) return { type: "json_object" };
  return {
    type: "json_schema",
    json_schema: { schema: structuredOutputSchema(signature), name: "DSPyProgramOutputs", strict: true },
  };
}

function outputsHint(signature: Signature): NumberHint {
  const byName = new Map(signature.outputFields.map((f) => [f.name, numberHint(f.type)]));
  const none = numberHint(undefined);
  return { isFloat: false, item: () => none, entry: (k) => byName.get(k) ?? none };
}

export class JSONAdapter extends Adapter {
  readonly name: string = "JSONAdapter";

  override fieldStream(signature: Signature): FieldStream {
    return new JsonFieldStream(signature.outputFields.map((f) => f.name));
  }

  /**
   * DSPy's JSONAdapter call: with a model that takes a JSON schema it asks for structured output, and
   * when that attempt fails for any reason but the LM's (a parse or a value error included) it asks
   * once more in plain JSON mode (`json_object`). Open-ended dict outputs go to JSON mode directly.
   */
  override async call(
    lm: AdapterLM,
    lmKwargs: LMKwargs,
    signature: Signature,
    demos: readonly Demo[],
    inputs: Record<string, unknown>,
  ): Promise<Outputs[]> {
    const format = responseFormat(lm, signature);
    if (!format) return super.call(lm, lmKwargs, signature, demos, inputs);
    const withFormat = (response_format: Record<string, unknown>) => ({ ...lmKwargs, response_format });
    if (format.type !== "json_schema") return super.call(lm, withFormat(format), signature, demos, inputs);
    try {
      return await super.call(lm, withFormat(format), signature, demos, inputs);
    } catch (error) {
      if (error instanceof LMError || currentContext().signal?.aborted) throw error;
      console.warn("JSONAdapter: failed to use structured output format, falling back to JSON mode.");
      return super.call(lm, withFormat({ type: "json_object" }), signature, demos, inputs);
    }
  }

  formatFieldStructure(signature: Signature): string {
    const outputs = Object.fromEntries(signature.outputFields.map((f) => [f.name, translateFieldType(f)]));
    const parts = [
      "All interactions will be structured in the following way, with the appropriate values filled in.",
      "Inputs will have the following structure:",
      this.formatFieldsWithValues(signature.inputFields.map((f) => [f, translateFieldType(f)])),
      "Outputs will be a JSON object with the following fields.",
      pyJsonDumps(outputs, { indent: 2 }),
    ];
    return pyStrip(parts.join("\n\n"));
  }

  userMessageOutputRequirements(signature: Signature): string {
    const fields = signature.outputFields.map((f) => `\`${f.name}\`${outputTypeInfo(f)}`).join(", then ");
    return `Respond with a JSON object in the following order of fields: ${fields}.`;
  }

  formatAssistantMessageContent(signature: Signature, outputs: Record<string, unknown>, missing?: string): string {
    const values = Object.fromEntries(
      signature.outputFields.map((f: Field) => [f.name, toJsonable(f.name in outputs ? outputs[f.name] : missing)]),
    );
    return pyJsonDumps(values, { indent: 2, hint: outputsHint(signature) });
  }

  protected parseCompletion(signature: Signature, completion: string): Outputs {
    // Numbers keep Python's int/float distinction: a str field given `1.0` reads "1.0", as in DSPy.
    let text = completion;
    let fields = repairJson(text, { pythonNumbers: true });
    if (!isObject(fields)) {
      const candidate = firstBalancedObject(text);
      if (candidate !== null) {
        text = candidate;
        fields = repairJson(text, { pythonNumbers: true });
      }
    }
    if (!isObject(fields)) throw this.parseError(signature, text, "LM response cannot be serialized to a JSON object.");
    const out: Outputs = {};
    for (const field of signature.outputFields) {
      if (!(field.name in fields)) continue;
      const value = fields[field.name];
      // Unlike ChatAdapter, DSPy's JSONAdapter does not wrap a conversion failure in AdapterParseError:
      // the ValueError escapes as it is (and ends a ReAct loop instead of failing it).
      out[field.name] = parseValue(field.type.kind === "str" ? value : plainNumbers(value), field.type);
    }
    return this.requireAll(signature, this.withDefaults(signature, out), text);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof PyNumber);
}
