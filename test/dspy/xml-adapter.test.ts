// XMLAdapter against DSPy 3.3.1's dspy/adapters/xml_adapter.py: the expected
// texts were derived by reading that file and the ChatAdapter/Adapter methods
// it inherits (the comments name the code path), then checked by running
// DSPy's own source (the oracle, test/dspy/oracle/generate.py, covers many
// more XML formats and parses); this file adds fallback and program-level behaviour.
import { describe, expect, it } from "vitest";
import { JSONAdapter } from "../../src/dspy/adapters/json";
import { usesNestedXml, valueToXml, XMLAdapter, xmlSchema } from "../../src/dspy/adapters/xml";
import { parseXml, xmlToString } from "../../src/dspy/adapters/xml-tree";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import { context } from "../../src/dspy/context";
import { AdapterParseError } from "../../src/dspy/errors";
import { LM } from "../../src/dspy/lm";
import { Predict } from "../../src/dspy/predict";
import { ReAct } from "../../src/dspy/react";
import { Signature } from "../../src/dspy/signature";
import { Tool } from "../../src/dspy/tool";
import { parseType } from "../../src/dspy/types";
import { fakeOpenAIFetch } from "../../src/dspy/utils/fake-openai";
import { ofType, recordEvents } from "../helpers/events";

const signature = new Signature("question: str, context: list[str] -> answer: str, tags: list[str], score: float");
const adapter = new XMLAdapter();

describe("XMLAdapter.format", () => {
  it("writes DSPy's system message: tags per field, nested schema for list outputs, type notes for the rest", () => {
    const [system] = adapter.format(signature, [], { question: "Q?", context: [] });
    expect(system).toEqual({
      role: "system",
      content: [
        "Your input fields are:",
        "1. `question` (str): ",
        "2. `context` (list[str]):",
        "Your output fields are:",
        "1. `answer` (str): ",
        "2. `tags` (list[str]): ",
        "3. `score` (float):",
        // format_field_structure: the intro, the input group, the output group, joined by blank lines, no marker.
        "All interactions will be structured in the following way, with the appropriate values filled in.",
        "",
        "<question>",
        "{question}",
        "</question>",
        "",
        "<context>",
        "{context}",
        "</context>",
        "",
        "<answer>",
        "{answer}",
        "</answer>",
        "",
        "<tags><item>...</item></tags>",
        "",
        "<score>",
        "{score}        # note: the value you produce must be a single float value",
        "</score>",
        "In adhering to this structure, your objective is: ",
        "        Given the fields `question`, `context`, produce the fields `answer`, `tags`, `score`.",
      ].join("\n"),
    });
  });

  it("formats demos (incomplete first) and the request; only str outputs are escaped, inputs never", () => {
    const demos = [
      { question: "Q1", context: ["x"], answer: "A <b> & c", tags: ["t1", "t<2"], score: 0.5 },
      { question: "Q2", answer: "A2", augmented: true },
    ];
    const messages = adapter.format(signature, demos, { question: "Is 1 < 2 & 3?", context: ["a & b", "c"] });
    expect(messages.slice(1)).toEqual([
      {
        role: "user",
        content: "This is an example of the task, though some input or output fields are not supplied.\n\n<question>\nQ2\n</question>",
      },
      {
        // outputs.get(k, missing): the missing message is a plain string, written in tags even for the list field.
        role: "assistant",
        content:
          "<answer>\nA2\n</answer>\n\n<tags>\nNot supplied for this particular example. \n</tags>\n\n" +
          "<score>\nNot supplied for this particular example. \n</score>",
      },
      { role: "user", content: '<question>\nQ1\n</question>\n\n<context>\n["x"]\n</context>' },
      {
        // _value_to_xml for the list; & then < escaped in the str output (">" is left alone).
        role: "assistant",
        content: "<answer>\nA &lt;b> &amp; c\n</answer>\n\n<tags><item>t1</item><item>t&lt;2</item></tags>\n\n<score>\n0.5\n</score>",
      },
      {
        role: "user",
        content:
          '<question>\nIs 1 < 2 & 3?\n</question>\n\n<context>\n["a & b", "c"]\n</context>\n\n' +
          "Respond with the corresponding output fields wrapped in XML tags `<answer>`, then `<tags>`, then `<score>`. " +
          "Use this nested XML structure: <tags><item>...</item></tags>",
      },
    ]);
  });

  it("asks for plain tags when no output is nested", () => {
    const [, user] = adapter.format(new Signature("question -> answer: int"), [], { question: "q" });
    expect(user.content).toBe(
      "<question>\nq\n</question>\n\nRespond with the corresponding output fields wrapped in XML tags `<answer>`.",
    );
  });

  it("writes nested values: dicts as child tags, awkward keys as <entry key=…>, None as an empty tag", () => {
    expect(valueToXml({ city: "Lisbon", "my key": 1, "ok-name.v2": [true, null], "": "x" }, "args")).toBe(
      '<args><city>Lisbon</city><entry key="my key">1</entry><ok-name.v2><item>True</item><item /></ok-name.v2><entry key="">x</entry></args>',
    );
    expect(valueToXml({ 'say "hi"': "a", "it's \"x\"": "b" }, "d")).toBe(
      `<d><entry key='say "hi"'>a</entry><entry key="it's &quot;x&quot;">b</entry></d>`,
    );
    expect(valueToXml([], "tags")).toBe("<tags />");
    expect(valueToXml({}, "d")).toBe("<d></d>");
    expect(xmlSchema("x", parseType("Optional[list[dict[str, int]]]"))).toBe("<x><item>...</item></x>");
    expect(xmlSchema("x", parseType("dict[str, list[str]]"))).toBe("<x>...</x>");
    expect(usesNestedXml(parseType("Optional[list[str]]"))).toBe(true);
    expect(usesNestedXml(parseType("list"))).toBe(false); // get_origin(list) is None
    expect(usesNestedXml(parseType("Union[list[str], int]"))).toBe(false);
  });
});

describe("XMLAdapter.parse", () => {
  const parse = (sig: Signature, completion: string) => adapter.parse(sig, completion);

  it("reads tags, nested items, entities, and text around the fields", () => {
    const completion =
      "Sure.\n<answer>\nParis &amp; more &lt;3\n</answer>\n<tags><item>a</item><item> b </item></tags>\n<score>0.9</score>\ndone";
    expect(parse(signature, completion)).toEqual({ answer: "Paris & more <3", tags: ["a", "b"], score: 0.9 });
  });

  it("reads a list as JSON text, as repeated tags, or as empty", () => {
    const sig = new Signature("q -> tags: list[int]");
    expect(parse(sig, '<tags>["1", 2]</tags>')).toEqual({ tags: [1, 2] });
    expect(parse(sig, "<tags>1</tags><tags>2</tags>")).toEqual({ tags: [1, 2] });
    expect(parse(sig, "<tags>\n</tags>")).toEqual({ tags: [] });
    expect(parse(sig, "<tags>7</tags>")).toEqual({ tags: [7] });
  });

  it("keeps markup inside a str field verbatim (text plus serialized children, unstripped)", () => {
    const sig = new Signature("q -> answer");
    expect(parse(sig, "<answer> Use <b>bold</b> &amp; <br/>text </answer>")).toEqual({
      answer: " Use <b>bold</b> &amp; <br />text ",
    });
  });

  it("reads dicts from child tags (values stay text for dict[str, Any]) or from JSON, and empty ones as {}", () => {
    const sig = new Signature("q -> args: dict[str, Any], counts: dict[str, int]");
    expect(parse(sig, '<args><city>Lisbon</city><entry key="a b">3</entry></args><counts><x>1</x></counts>')).toEqual({
      args: { city: "Lisbon", "a b": "3" },
      counts: { x: 1 },
    });
    expect(parse(sig, '<args>{"n": 3}</args><counts></counts>')).toEqual({ args: { n: 3 }, counts: {} });
  });

  it("an empty Optional field is None; a missing Optional output defaults to None", () => {
    const sig = new Signature("q -> n: Optional[int], note: Optional[str]");
    expect(parse(sig, "<n> </n>")).toEqual({ n: null, note: null });
    expect(parse(sig, "<n>4</n><note>ok</note>")).toEqual({ n: 4, note: "ok" });
  });

  it("fails on malformed XML, a missing field, or a value of the wrong type", () => {
    const sig = new Signature("q -> answer, n: int");
    const failure = (completion: string) => {
      try {
        parse(sig, completion);
      } catch (error) {
        expect(error).toBeInstanceOf(AdapterParseError);
        return (error as Error).message;
      }
      throw new Error("expected a parse error");
    };
    expect(failure("<answer>1 < 2</answer><n>1</n>")).toContain("Failed to parse XML: not well-formed (invalid token)");
    expect(failure("<answer>a</answer><n>1</n></extra>")).toContain("Failed to parse XML: mismatched tag");
    expect(failure("<answer>a &nbsp;</answer>")).toContain("Failed to parse XML: undefined entity");
    // DSPy's AdapterParseError text: the fields it did find.
    expect(failure("<answer>a</answer>")).toContain("Actual output fields parsed from the LM response: [answer] \n\n");
    expect(failure("<answer>a</answer><n>many</n>")).toContain("Failed to parse field n with value many:");
  });
});

describe("XMLAdapter in a program", () => {
  function setup(completions: string[]) {
    let i = 0;
    const fetch = fakeOpenAIFetch(() => completions[i++] ?? { status: 400 });
    const lm = new LM("gpt-4o-mini", { apiKey: "sk-xml", baseURL: "https://llm.test/v1", fetch, numRetries: 0 });
    const { events, recorder } = recordEvents();
    const run = <T>(fn: () => Promise<T>) => context({ lm, adapter: new XMLAdapter(), callbacks: [recorder] }, fn);
    return { fetch, events, run };
  }

  it("runs a ChainOfThought end to end and names itself in adapter events", async () => {
    const { fetch, events, run } = setup(["<reasoning>\n2 and 2 make 4.\n</reasoning>\n\n<answer>\n4\n</answer>"]);
    const result = await run(() => new ChainOfThought("question -> answer: int").call({ question: "2+2?" }));
    expect(result.toJSON()).toEqual({ reasoning: "2 and 2 make 4.", answer: 4 });
    expect(fetch.requests).toHaveLength(1);
    expect(ofType(events, "adapter_format_start").map((e) => e.adapter)).toEqual(["XMLAdapter"]);
  });

  it("falls back to JSONAdapter when the XML cannot be read (it is a ChatAdapter)", async () => {
    const { fetch, events, run } = setup(["<answer>1 < 2</answer>", '{"answer": "yes"}']);
    const result = await run(() => new Predict("question -> answer").call({ question: "1 < 2?" }));
    expect(result.toJSON()).toEqual({ answer: "yes" });
    expect(fetch.requests).toHaveLength(2);
    expect(ofType(events, "adapter_format_start").map((e) => e.adapter)).toEqual(["XMLAdapter", "JSONAdapter"]);
    expect(fetch.requests[1].body.messages[0].content).toBe(
      new JSONAdapter().format(new Signature("question -> answer"), [], { question: "1 < 2?" })[0].content,
    );
  });

  it("formats a ReAct trajectory in tags and reads nested tool args", async () => {
    const { fetch, run } = setup([
      "<next_thought>look it up</next_thought><next_tool_name>lookup</next_tool_name><next_tool_args><term>XML</term></next_tool_args>",
      "<next_thought>done</next_thought><next_tool_name>finish</next_tool_name><next_tool_args></next_tool_args>",
      "<reasoning>found</reasoning><answer>A markup language</answer>",
    ]);
    const lookup = new Tool((args: Record<string, unknown>) => `${String(args.term)} is a markup language`, {
      name: "lookup",
      desc: "Look a term up.",
      args: { term: { type: "string" } },
    });
    const agent = new ReAct("question -> answer", { tools: [lookup], maxIters: 3 });
    const result = await run(() => agent.call({ question: "What is XML?" }));
    expect(result.get("answer")).toBe("A markup language");
    expect(result.get("trajectory")).toEqual({
      thought_0: "look it up",
      tool_name_0: "lookup",
      tool_args_0: { term: "XML" },
      observation_0: "XML is a markup language",
      thought_1: "done",
      tool_name_1: "finish",
      tool_args_1: {},
      observation_1: "Completed.",
    });
    // The system message shows next_tool_args' nested shape instead of a type note.
    expect(fetch.requests[0].body.messages[0].content).toContain("<next_tool_args>...</next_tool_args>");
    expect(fetch.requests[2].body.messages.at(-1)!.content).toContain(
      '<trajectory>\n<thought_0>\nlook it up\n</thought_0>\n\n<tool_name_0>\nlookup\n</tool_name_0>\n\n<tool_args_0>\n{"term": "XML"}\n</tool_args_0>',
    );
  });
});

describe("the XML reader (ElementTree's view)", () => {
  it("keeps text and tails apart, drops comments and PIs, keeps CDATA, normalizes newlines", () => {
    const root = parseXml("<r>a<!-- c -->b<x k='1'>in</x>tail<?pi x?><y/><![CDATA[<raw>&]]>\r\n</r>");
    expect(root.text).toBe("ab");
    expect(root.children.map((c) => [c.tag, c.attrib, c.text, c.tail])).toEqual([
      ["x", { k: "1" }, "in", "tail"],
      ["y", {}, null, "<raw>&\n"],
    ]);
    expect(xmlToString(root.children[1])).toBe("<y />&lt;raw&gt;&amp;\n");
    expect(() => parseXml("<r><a:b/></r>")).toThrow(/^unbound prefix: line 1, column 3$/);
    expect(() => parseXml("<r>\n<a></b></r>")).toThrow(/^mismatched tag: line 2, column 5$/);
  });
});
