// Reads a DSPy-formatted prompt back into its parts: the adapter that wrote it,
// the input and output fields with their types, the instructions, the input
// values of the final user message, and ReAct's tool list.
import { parseType, type TypeSpec } from "../../dspy/types";

export interface PromptField {
  name: string;
  type: TypeSpec;
  desc: string;
}

export interface PromptTool {
  name: string;
  desc: string;
  /** Arg names in declared order, with the JSON schema type when readable. */
  args: { name: string; type: string }[];
}

export interface ReadPrompt {
  adapter: "chat" | "json" | "xml";
  inputs: PromptField[];
  outputs: PromptField[];
  instructions: string;
  values: Record<string, string>;
  tools: PromptTool[];
}

function readFields(block: string): PromptField[] {
  const fields: PromptField[] = [];
  for (const line of block.split("\n")) {
    const m = /^\d+\. `([^`]+)` \((.*)\):(.*)$/.exec(line);
    if (!m) {
      if (fields.length) fields[fields.length - 1].desc += "\n" + line;
      continue;
    }
    let type: TypeSpec;
    try {
      type = parseType(m[2]);
    } catch {
      type = { kind: "str" };
    }
    fields.push({ name: m[1], type, desc: m[3].trim() });
  }
  return fields;
}

/** `[[ ## name ## ]]` sections of a message, in order. */
export function sections(text: string, only?: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^\[\[ ## (\w+) ## \]\]\n?/gm;
  // A value can itself hold markers (ReAct's trajectory): split on known names only.
  const marks = [...text.matchAll(re)].filter((m) => !only || only.includes(m[1]));
  marks.forEach((m, i) => {
    const end = i + 1 < marks.length ? marks[i + 1].index : text.length;
    out[m[1]] ??= text.slice(m.index + m[0].length, end);
  });
  return out;
}

/** XMLAdapter's `<name>\nvalue\n</name>` input blocks, for the named fields. */
function xmlSections(text: string, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const m = new RegExp(`<${name}>\\n([\\s\\S]*?)\\n</${name}>`).exec(text);
    if (m) out[name] = m[1];
  }
  return out;
}

function readTools(instructions: string): PromptTool[] {
  const tools: PromptTool[] = [];
  const re = /\(\d+\) (\S+), whose description is <desc>([\s\S]*?)<\/desc>\.\s*It takes arguments (\{.*\})\./g;
  for (const m of instructions.matchAll(re)) {
    const args = [...m[3].matchAll(/'(\w+)': \{'type': '(\w+)'|'(\w+)': \{/g)]
      .filter((a, i, all) => all.findIndex((b) => (b[1] ?? b[3]) === (a[1] ?? a[3])) === i)
      .map((a) => ({ name: a[1] ?? a[3], type: a[2] ?? "any" }));
    // Nested schemas (items, properties) would add inner names: keep top-level ones only.
    tools.push({ name: m[1], desc: m[2], args: topLevelArgs(m[3], args) });
  }
  return tools;
}

function topLevelArgs(repr: string, args: PromptTool["args"]): PromptTool["args"] {
  let depth = 0;
  const top = new Set<string>();
  for (let i = 0; i < repr.length; i++) {
    const ch = repr[i];
    if (ch === "{") depth++;
    else if (ch === "}") depth--;
    else if (ch === "'" && depth === 1) {
      const end = repr.indexOf("'", i + 1);
      if (repr.slice(end + 1).startsWith(":")) top.add(repr.slice(i + 1, end));
      i = end;
    }
  }
  return args.filter((a) => top.has(a.name));
}

export function readPrompt(messages: { role: string; content: string }[]): ReadPrompt | null {
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  const user = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
  const inputsAt = system.indexOf("Your input fields are:\n");
  const outputsAt = system.indexOf("Your output fields are:\n");
  const structureAt = system.indexOf("All interactions will be structured");
  if (outputsAt < 0 || structureAt < 0) return null;
  const inputs = inputsAt >= 0 ? readFields(system.slice(inputsAt + 23, outputsAt).trimEnd()) : [];
  const outputs = readFields(system.slice(outputsAt + 24, structureAt).trimEnd());
  const objective = system.indexOf("your objective is: \n");
  const instructions =
    objective >= 0
      ? system
          .slice(objective + 20)
          .split("\n")
          .map((l) => l.replace(/^ {8}/, ""))
          .join("\n")
      : "";
  const values: Record<string, string> = {};
  const request = user.replace(/\n\n(Respond with[\s\S]*)$/, "");
  const xml = user.includes("Respond with the corresponding output fields wrapped in XML tags");
  const found = xml ? xmlSections(request, inputs.map((f) => f.name)) : sections(request, inputs.map((f) => f.name));
  for (const f of inputs) if (f.name in found) values[f.name] = found[f.name].replace(/\n+$/, "");
  return {
    adapter: xml ? "xml" : system.includes("Outputs will be a JSON object") ? "json" : "chat",
    inputs,
    outputs,
    instructions,
    values,
    tools: readTools(instructions),
  };
}
