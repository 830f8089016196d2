// The offline demo LM: a FakeResponder that reads the DSPy prompt it is sent
// and answers every output field in the adapter's format with plausible,
// type-correct values. It drives ReAct through its tools to `finish` and
// writes runnable JavaScript for ProgramOfThought. No network, no randomness.
import type { FakeChatRequest, FakeReply } from "../../dspy/utils/fake-openai";
import type { TypeSpec } from "../../dspy/types";
import { nextStep, observations } from "./agent-step";
import { combineFindings, subQuestions } from "./fan-out";
import { statisticOf, submitFieldsFrom, writeCode } from "./code-writer";
import { bestSentence, computed, fact, keywords, sentiment, topic } from "./knowledge";
import { readPrompt, type PromptField, type ReadPrompt } from "./prompt-reader";

interface Situation {
  prompt: ReadPrompt;
  /** The main text input (question, text, document…). */
  question: string;
  /** Values already chosen for earlier output fields. */
  chosen: Record<string, unknown>;
  /** Worked out on first use, once per prompt: every output field draws on the same findings. */
  findings: () => Findings;
}

interface Findings {
  answer: string;
  number: number | null;
  steps: string[];
}

/** What the inputs let us actually work out: a number, a fact, tool results. */
function findings(prompt: ReadPrompt, question: string): Findings {
  const v = prompt.values;
  if ("findings" in v) {
    let list: unknown;
    try {
      list = JSON.parse(v.findings);
    } catch {
      list = [v.findings];
    }
    const answer = combineFindings(question, Array.isArray(list) ? list.map(String) : [String(list)]);
    return { answer, number: null, steps: [`I combined what the sub-questions found.`] };
  }
  if ("code_output" in v) {
    let out: unknown = v.code_output;
    try {
      out = JSON.parse(v.code_output);
    } catch {
      // not JSON: keep the text
    }
    const record = out && typeof out === "object" ? (out as Record<string, unknown>) : null;
    const first = record ? Object.values(record)[0] : out;
    return {
      answer: String(first),
      number: typeof first === "number" ? first : null,
      steps: [`The code ran and returned ${JSON.stringify(out)}.`],
    };
  }
  if ("trajectory" in v) {
    const obs = observations(v.trajectory);
    if (obs.length > 0) {
      const last = obs[obs.length - 1];
      const num = /-?\d+(?:\.\d+)?/.exec(last.split("=").pop() ?? last);
      // Encyclopedia hits read "Title: passage"; answer with the passage's most relevant sentence.
      const line = last.split("\n")[0];
      // A miss or a tool error is not a passage: its "Known topics: …" list is no answer.
      const failed = /^(No entry found|Execution error)/.test(line);
      const entry = failed ? null : /^([^:]{1,60}): (.+)$/.exec(line);
      return {
        answer: failed ? `I could not find this out: ${line.split(/(?<=\.)\s/)[0]}` : entry ? bestSentence(entry[2], question, entry[1]) : line,
        number: num && !failed ? Number(num[0]) : null,
        steps: obs.map((o, i) => `Step ${i + 1} observed: ${o.split("\n")[0]}`),
      };
    }
  }
  const expr = computed(question);
  if (expr) return { answer: String(expr.value), number: expr.value, steps: [`Computing ${expr.expression} gives ${expr.value}.`] };
  const known = fact(question);
  if (known) {
    const num = /\d[\d,]*(?:\.\d+)?/.exec(known.sentence);
    return {
      answer: known.sentence,
      number: num ? Number(num[0].replaceAll(",", "")) : null,
      steps: [`From what I know about ${known.title}: ${known.sentence}`],
    };
  }
  const about = topic(question).trim();
  return {
    answer: about ? `(demo) A short answer about ${about}.` : "(demo) A short answer.",
    number: null,
    steps: [`This is the offline demo LM, so I reason only from the words of the input.`],
  };
}

function stringFor(field: PromptField, s: Situation): string {
  const f = s.findings();
  const name = field.name.toLowerCase();
  if (/reason|rationale|thought|explanation/.test(name)) {
    return [`The input asks: "${s.question.split("\n")[0].slice(0, 200)}".`, ...f.steps, `So the answer is: ${f.answer}`].join(" ");
  }
  if (/summary|summar/.test(name)) return `${s.question.split(/(?<=[.!?])\s/)[0].slice(0, 200)}`;
  if (/advice|feedback|hint/.test(name)) return "Be concise and state the final answer plainly.";
  if (/title|topic|subject/.test(name)) return topic(s.question);
  // A finding names what it is about, so the step combining several can tell them apart.
  if (name === "finding") {
    const known = fact(s.question);
    return known && !f.answer.includes(known.title) ? `${known.title}: ${f.answer}` : f.answer;
  }
  if (/answer|result|output|response|reply/.test(name) || s.prompt.outputs.length === 1) return f.answer;
  return `(demo) ${field.name} for: ${s.question.slice(0, 120)}`;
}

function valueFor(type: TypeSpec, field: PromptField, s: Situation): unknown {
  switch (type.kind) {
    case "str":
    case "any":
      return stringFor(field, s);
    case "int": {
      const n = s.findings().number;
      return n === null ? 42 : Math.round(n);
    }
    case "float": {
      // A confidence is between 0 and 1, whatever number the input happens to mention.
      if (/confidence|score|probability/.test(field.name)) return 0.9;
      return s.findings().number ?? 1.5;
    }
    case "bool":
      return !/\b(not|never|no)\b/i.test(s.question);
    case "none":
      return null;
    case "literal": {
      const options = type.values;
      const mood = sentiment(s.question);
      const text = s.question.toLowerCase();
      return (
        options.find((o) => o === mood) ??
        options.find((o) => typeof o === "string" && text.includes(o.toLowerCase())) ??
        options[0]
      );
    }
    case "list": {
      const items = type.items ?? { kind: "str" };
      if (/questions/.test(field.name) && (items.kind === "str" || items.kind === "any")) return subQuestions(s.question);
      if (items.kind === "str" || items.kind === "any") return keywords(s.question);
      return [1, 2, 3].map(() => valueFor(items, field, s));
    }
    case "dict":
      return (type.value?.kind ?? "any") === "any" || type.value?.kind === "str" ? { note: "demo" } : {};
    case "union": {
      const concrete = type.options.find((o) => o.kind !== "none") ?? type.options[0];
      return valueFor(concrete, field, s);
    }
  }
}

/** Python-style text for the ChatAdapter: True/False, JSON for containers. */
function render(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "True" : "False";
  if (value === null) return "None";
  return JSON.stringify(value);
}

function answer(prompt: ReadPrompt): Record<string, unknown> {
  const mainInput = prompt.inputs.find((f) => !["trajectory", "code_output", "final_generated_code", "previous_code", "error"].includes(f.name));
  const question = mainInput ? (prompt.values[mainInput.name] ?? "") : Object.values(prompt.values).join("\n");
  let found: Findings | undefined;
  const s: Situation = { prompt, question, chosen: {}, findings: () => (found ??= findings(prompt, question)) };
  const names = prompt.outputs.map((f) => f.name);
  if (names.includes("next_tool_name")) {
    const step = nextStep(prompt.tools, s.question, prompt.values.trajectory ?? "");
    Object.assign(s.chosen, step);
  }
  if (names.includes("generated_code")) {
    s.chosen.generated_code = writeCode(s.question, submitFieldsFrom(prompt.instructions), prompt.values.error, prompt.values);
  }
  for (const field of prompt.outputs) {
    if (!(field.name in s.chosen)) s.chosen[field.name] = valueFor(field.type, field, s);
  }
  // Reasoning before code: describe the code that follows.
  if ("generated_code" in s.chosen && names.includes("reasoning")) {
    const expr = computed(s.question);
    const stat = statisticOf(prompt.values);
    s.chosen.reasoning = stat
      ? `I will compute the ${stat.statistic} of ${stat.numbers}${stat.scale !== null && Number(stat.scale) !== 1 ? `, times ${stat.scale},` : ""} in JavaScript and submit the result.`
      : expr
      ? `I will compute ${expr.expression} in JavaScript and submit the result.`
      : `No arithmetic is needed; the code submits what is known about ${topic(s.question)}.`;
  }
  return Object.fromEntries(names.map((n) => [n, s.chosen[n]]));
}

/** The demo LM's reply to one chat-completions request. */
export function demoResponder(request: FakeChatRequest): FakeReply {
  const prompt = readPrompt(request.body.messages);
  if (!prompt) {
    const last = request.body.messages.at(-1)?.content ?? "";
    return `(demo) I am the offline demo LM. You said: ${last.slice(0, 200)}`;
  }
  const values = answer(prompt);
  if (prompt.adapter === "json") return JSON.stringify(values);
  if (prompt.adapter === "xml") {
    const escape = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;");
    return Object.entries(values)
      .map(([name, value]) => `<${name}>\n${escape(render(value))}\n</${name}>`)
      .join("\n\n");
  }
  return (
    Object.entries(values)
      .map(([name, value]) => `[[ ## ${name} ## ]]\n${render(value)}\n\n`)
      .join("") + "[[ ## completed ## ]]"
  );
}

