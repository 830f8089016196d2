// DSPy 3.3.1's XMLAdapter (dspy/adapters/xml_adapter.py): every field in
// `<name>\nvalue\n</name>` tags, list and dict outputs as nested XML
// (`<tags><item>a</item></tags>`), no completion marker. It is a ChatAdapter,
// so a completion it cannot read is retried once with JSONAdapter, as in DSPy.
import type { FieldStream } from "../streaming/fields";
import type { Field, Signature } from "../signature";
import { numberHint, pydanticJsonSchema, type JsonSchema, type TypeSpec } from "../types";
import { has, type Outputs } from "./base";
import { ChatAdapter } from "./chat";
import { formatFieldValue, toJsonable, translateFieldType } from "./format-value";
import { coerceValue, parseValue, ValueConversionError } from "./parse-value";
import { NO_HINT, pyStr, pyStrip, type NumberHint } from "./python-text";
import { parseXml, type XmlElement, xmlToString } from "./xml-tree";
import { XmlFieldStream } from "../streaming/xml-fields";

const IDENTIFIER = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** xml.sax.saxutils.quoteattr: escaped and quoted, single quotes when the value holds `"` but not `'`. */
function quoteAttr(value: string): string {
  let data = value.replaceAll("&", "&amp;").replaceAll(">", "&gt;").replaceAll("<", "&lt;");
  data = data.replaceAll("\n", "&#10;").replaceAll("\r", "&#13;").replaceAll("\t", "&#9;");
  if (data.includes('"')) return data.includes("'") ? `"${data.replaceAll('"', "&quot;")}"` : `'${data}'`;
  return `"${data}"`;
}

const escapeXmlText = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;");

/**
 * `_uses_nested_xml`: list[...] and dict[...] outputs (Optional ones too) are
 * written and read as nested elements. A bare `list`/`dict` is not (Python's
 * get_origin gives None for it).
 */
export function usesNestedXml(type: TypeSpec): boolean {
  let t = type;
  if (t.kind === "union") {
    const others = t.options.filter((o) => o.kind !== "none");
    if (others.length === 1) t = others[0];
  }
  return (t.kind === "list" && t.items !== undefined) || (t.kind === "dict" && t.key !== undefined);
}

/** `_value_to_xml`: lists as `<item>`s, dicts as child tags (`<entry key="…">` when the key is no tag name). */
export function valueToXml(value: unknown, tag: string, key?: string, hint: NumberHint = NO_HINT): string {
  const attrs = key !== undefined ? ` key=${quoteAttr(key)}` : "";
  if (Array.isArray(value)) {
    const children = value.map((item, i) => valueToXml(item, "item", undefined, hint.item(i))).join("");
    return children ? `<${tag}${attrs}>${children}</${tag}>` : `<${tag}${attrs} />`;
  }
  if (isObject(value)) {
    const children = Object.entries(value).map(([name, child]) => {
      const valid = IDENTIFIER.test(name.slice(0, 1) + name.slice(1).replaceAll("-", "_").replaceAll(".", "_"));
      return valid ? valueToXml(child, name, undefined, hint.entry(name)) : valueToXml(child, "entry", name, hint.entry(name));
    });
    return `<${tag}${attrs}>${children.join("")}</${tag}>`;
  }
  if (value === null || value === undefined) return `<${tag}${attrs} />`;
  return `<${tag}${attrs}>${escapeXmlText(pyStr(value, hint))}</${tag}>`;
}

/** `_schema_to_xml`: the nested shape of a type for the prompt (`<tags><item>...</item></tags>`). */
function schemaToXml(tag: string, schema: JsonSchema): string {
  const choices = schema.anyOf as JsonSchema[] | undefined;
  if (choices?.length) return schemaToXml(tag, choices.find((s) => s.type !== "null") ?? choices[0]);
  if (schema.type === "array") return `<${tag}>${schemaToXml("item", (schema.items as JsonSchema | undefined) ?? {})}</${tag}>`;
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const children = Object.entries(properties)
    .map(([name, child]) => schemaToXml(name, child))
    .join("");
  return children ? `<${tag}>${children}</${tag}>` : `<${tag}>...</${tag}>`;
}

export function xmlSchema(tag: string, type: TypeSpec): string {
  return schemaToXml(tag, pydanticJsonSchema(type));
}

/** `_group_children`: direct children by tag (an `<entry key="k">` counts as `k`), in document order. */
function groupChildren(element: XmlElement): Map<string, XmlElement[]> {
  const groups = new Map<string, XmlElement[]>();
  for (const child of element.children) {
    const name = child.tag === "entry" ? (child.attrib.key ?? child.tag) : child.tag;
    const list = groups.get(name) ?? [];
    list.push(child);
    groups.set(name, list);
  }
  return groups;
}

const isNullSchema = (s: JsonSchema) => Object.keys(s).length === 1 && s.type === "null";

/** `_elements_to_value`: the elements named for a field → a plain value for parse_value, guided by the JSON schema. */
function elementsToValue(elements: XmlElement[], given: JsonSchema): unknown {
  let schema = given;
  const first = elements[0];
  const choices = schema.anyOf as JsonSchema[] | undefined;
  if (choices?.length) {
    if (choices.some(isNullSchema) && first.children.length === 0 && !pyStrip(first.text ?? "")) return null;
    const others = choices.filter((c) => c.type !== "null");
    schema = others[0];
    if (first.children.length) schema = others.find((c) => c.type !== "string") ?? schema;
  }
  if (schema?.type === "array") {
    let items = elements;
    if (elements.length === 1 && first.children.length === 0) {
      const text = pyStrip(first.text ?? "");
      if (!text) return [];
      if (text.startsWith("[")) return text;
    }
    const inner = elements.length === 1 ? groupChildren(first).get("item") : undefined;
    if (inner?.length) items = inner;
    return items.map((element) => elementsToValue([element], (schema.items as JsonSchema | undefined) ?? {}));
  }
  if (schema?.type === "string" && first.children.length) {
    return (first.text ?? "") + first.children.map(xmlToString).join("");
  }
  const children = groupChildren(first);
  if (children.size === 0) {
    if (schema?.type === "object" && !pyStrip(first.text ?? "")) return {};
    const values = elements.map((e) => pyStrip(e.text ?? ""));
    return values.length === 1 ? values[0] : values;
  }
  const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  const additional = schema?.additionalProperties;
  const childSchema = isObject(additional) ? (additional as JsonSchema) : {};
  return Object.fromEntries([...children].map(([name, items]) => [name, elementsToValue(items, properties[name] ?? childSchema)]));
}

/**
 * parse_value, and when its pydantic validation fails, pydantic's validation of
 * the value as read (`adapter.validate_python(value)`): so "None" stays a str
 * in Union[int, str]. A Literal's mismatch is a ValueError there, not retried.
 */
function parseOrValidate(value: unknown, type: TypeSpec): unknown {
  try {
    return parseValue(value, type);
  } catch (error) {
    if (type.kind === "literal" || !(error instanceof ValueConversionError)) throw error;
    return coerceValue(type, value);
  }
}

export class XMLAdapter extends ChatAdapter {
  override readonly name: string = "XMLAdapter";

  /** lm_delta.field for `<f>…</f>`: top-level tags open fields, as the parser reads them. */
  override fieldStream(signature: Signature): FieldStream {
    return new XmlFieldStream(signature.outputFields.map((f) => f.name));
  }

  /** `format_field_with_value`: `<name>\nvalue\n</name>` blocks; nested XML for list/dict output values. */
  formatXmlFields(entries: [Field, unknown][]): string {
    const blocks = entries.map(([field, value]) => {
      const serialized = toJsonable(value);
      const isOutput = field.kind === "output";
      if (isOutput && usesNestedXml(field.type) && typeof serialized === "object" && serialized !== null) {
        return valueToXml(serialized, field.name, undefined, numberHint(field.type));
      }
      let formatted = formatFieldValue(field, value);
      if (isOutput && field.type.kind === "str") formatted = escapeXmlText(formatted);
      return `<${field.name}>\n${formatted}\n</${field.name}>`;
    });
    return pyStrip(blocks.join("\n\n"));
  }

  protected override formatFieldsWithValues(entries: [Field, unknown][]): string {
    return this.formatXmlFields(entries);
  }

  override formatFieldStructure(signature: Signature): string {
    const format = (field: Field) =>
      field.kind === "output" && usesNestedXml(field.type)
        ? xmlSchema(field.name, field.type)
        : this.formatXmlFields([[field, translateFieldType(field)]]);
    return [
      "All interactions will be structured in the following way, with the appropriate values filled in.",
      signature.inputFields.map(format).join("\n\n"),
      signature.outputFields.map(format).join("\n\n"),
    ].join("\n\n");
  }

  override formatUserMessageContent(
    signature: Signature,
    inputs: Record<string, unknown>,
    options: { prefix?: string; suffix?: string; mainRequest?: boolean } = {},
  ): string {
    const entries = signature.inputFields.filter((f) => has(inputs, f.name)).map((f): [Field, unknown] => [f, inputs[f.name]]);
    const parts = [options.prefix ?? "", this.formatXmlFields(entries)];
    if (options.mainRequest) parts.push(this.userMessageOutputRequirements(signature));
    parts.push(options.suffix ?? "");
    return pyStrip(parts.join("\n\n"));
  }

  override formatAssistantMessageContent(signature: Signature, outputs: Record<string, unknown>, missing?: string): string {
    return this.formatXmlFields(
      signature.outputFields.map((f): [Field, unknown] => [f, f.name in outputs ? outputs[f.name] : (missing ?? null)]),
    );
  }

  override userMessageOutputRequirements(signature: Signature): string {
    const tags = signature.outputFields.map((f) => `\`<${f.name}>\``).join(", then ");
    const schemas = signature.outputFields.filter((f) => usesNestedXml(f.type)).map((f) => xmlSchema(f.name, f.type));
    return (
      `Respond with the corresponding output fields wrapped in XML tags ${tags}.` +
      (schemas.length ? ` Use this nested XML structure: ${schemas.join(" ")}` : "")
    );
  }

  protected override parseCompletion(signature: Signature, completion: string): Outputs {
    let root: XmlElement;
    try {
      root = parseXml(`<dspy_root>${completion}</dspy_root>`);
    } catch (error) {
      throw this.parseError(signature, completion, `Failed to parse XML: ${(error as Error).message}`);
    }
    const elements = groupChildren(root);
    const fields: Outputs = {};
    for (const field of signature.outputFields) {
      const found = elements.get(field.name);
      if (!found) continue;
      const schema = pydanticJsonSchema(field.type);
      let value: unknown = null;
      let lastError: unknown;
      let parsed = false;
      // The type's schema, then each member of a union, until one reads and validates.
      for (const candidate of [schema, ...((schema.anyOf as JsonSchema[] | undefined) ?? [])]) {
        try {
          value = elementsToValue(found, candidate);
          fields[field.name] = parseOrValidate(value, field.type);
          parsed = true;
          break;
        } catch (error) {
          lastError = error;
        }
      }
      if (!parsed) {
        const reason = lastError instanceof Error ? lastError.message : String(lastError);
        throw this.parseError(
          signature,
          completion,
          `Failed to parse field ${field.name} with value ${pyStr(value)}: ${reason}`,
          field.name,
        );
      }
    }
    return this.requireAll(signature, this.withDefaults(signature, fields), completion);
  }
}
