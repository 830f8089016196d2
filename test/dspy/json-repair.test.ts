// The forgiving JSON reader against the json_repair package DSPy uses: each
// expected value below is what json_repair.loads returned for the input.
import { describe, expect, it } from "vitest";
import { firstBalancedObject, repairJson } from "../../src/dspy/adapters/json-repair";
import { literalEval } from "../../src/dspy/adapters/python-literal";

const CASES: [string, unknown][] = [
  ["{\"a\": 1}", {"a": 1}],
  ["```json\n{\"a\": [1, 2]}\n```", {"a": [1, 2]}],
  ["Sure! {\"answer\": \"Paris\"} Done.", {"answer": "Paris"}],
  ["{'a': 'b'}", {"a": "b"}],
  ["{a: 1, b: two}", {"a": 1, "b": "two"}],
  ["{\"a\": 1,}", {"a": 1}],
  ["[1, 2,]", [1, 2]],
  ["{\"a\": \"unterminated", {"a": "unterminated"}],
  ["{\"a\": [1, 2", {"a": [1, 2]}],
  ["{\"a\": True, \"b\": None, \"c\": False}", {"a": true, "b": "None", "c": false}],
  ["{\"a\": \"x\" \"b\": \"y\"}", {"a": "x", "b": "y"}],
  ["{\"a\": 1} {\"a\": 2}", {"a": 2}],
  ["{\"a\": 1} {\"b\": 2}", [{"a": 1}, {"b": 2}]],
  ["// comment\n{\"a\": 1}", {"a": 1}],
  ["{\"a\": 1 /* c */}", {"a": 1}],
  ["{\"a\": \"line\\nbreak\"}", {"a": "line\nbreak"}],
  ["{\"a\": \"He said \\\"hi\\\"\"}", {"a": "He said \"hi\""}],
  ["{\"a\": 'it''s'}", {"a": "it"}],
  ["{\"a\": -1.5e3}", {"a": -1500.0}],
  ["{\"a\": .5}", {"a": 0.5}],
  ["{\"a\": \"é\"}", {"a": "é"}],
  ["[\"a\", 'b', c]", ["a", "b", "c"]],
  ["{\"key with space\": 1}", {"key with space": 1}],
  ["{\"a\": {\"b\": {\"c\": 1}}}", {"a": {"b": {"c": 1}}}],
  ["{\"a\": []}", {"a": []}],
  ["{}", {}],
  ["[]", []],
  ["nothing here", ""],
  ["{\"a\": null}", {"a": null}],
  ["{\"a\": NULL}", {"a": null}],
  ["{\"a\": \"b\", }", {"a": "b"}],
  ["{\"answer\": \"4\"}\n\nThat's it.", {"answer": "4"}],
  ["{\n  \"reasoning\": \"Because\",\n  \"answer\": 42\n}", {"reasoning": "Because", "answer": 42}],
  ["[{\"a\": 1}, {\"a\": 2}]", [{"a": 1}, {"a": 2}]],
  ["{\"a\": 1}}", {"a": 1}],
  ["{{\"a\": 1}", {"a": 1}],
  ["{\"a\":1,\"b\":[{\"c\":\"d\"}]}", {"a": 1, "b": [{"c": "d"}]}],
  ["{\"a\": “smart”}", {"a": "smart"}],
  ["{\"a\": \"x\"\n\"b\": 2}", {"a": "x", "b": 2}],
  ["{\"a\": 12abc}", {"a": "12abc"}],
  ["{\"a\": 1, \"b\"}", {"a": 1}],
  ["{\"a\": 1, \"b\": }", {"a": 1, "b": ""}],
  ["{\"a\": 2 # c\n}", {"a": 2}],
  ["{\"a\": x # c\n}", {"a": "x # c"}],
  ["[1, None, True]", [1, "None", true]],
  ["{\"a\": [1, 2}", {"a": [1, 2]}],
  ["{\"a\": \"b\"]}", {"a": "b"}],
  ["{\"a\" 1}", {"a": ""}],
  ["{\"answer\": \"Paris\", \"n\": 3,}", {"answer": "Paris", "n": 3}],
  ["Here: ['x', \"y\"]", ["x", "y"]],
  ["{\"a\": \"multi\nline\"}", {"a": "multi\nline"}],
  ["{\"a\": 1}\n```", {"a": 1}],
  ["```\n{\"reasoning\": \"r\", \"answer\": \"a\"}\n```", {"reasoning": "r", "answer": "a"}],
  ["{\"a\": {\"b\": 1}, \"c\": [true, false, null]}", {"a": {"b": 1}, "c": [true, false, null]}],
];

describe("repairJson matches json_repair.loads", () => {
  it.each(CASES)("%j", (input, expected) => {
    expect(repairJson(input)).toEqual(expected);
  });
});

describe("firstBalancedObject", () => {
  it("finds the first balanced braces, skipping unbalanced starts", () => {
    expect(firstBalancedObject('x {"a": {"b": 1}} y {"c": 2}')).toBe('{"a": {"b": 1}}');
    expect(firstBalancedObject("{a{b}")).toBe("{b}");
    expect(firstBalancedObject("no braces")).toBeNull();
  });
});

describe("literalEval (ast.literal_eval)", () => {
  it.each([
    ["True", true],
    ["None", null],
    ["-5", -5],
    ["1_000", 1000],
    ["0x1F", 31],
    ["2.5e3", 2500],
    ["'it\\'s'", "it's"],
    ['"a" \'b\'', "ab"],
    ["['a', \"b\", 3]", ["a", "b", 3]],
    ["('x', 'y')", ["x", "y"]],
    ["1, 2", [1, 2]],
    ["{'k': [1, {'n': None}], 2: 'two'}", { k: [1, { n: null }], "2": "two" }],
    ["{1, 2}", [1, 2]],
    ["  [1,\n 2]", [1, 2]],
  ] as [string, unknown][])("%j", (input, expected) => {
    expect(literalEval(input)).toEqual(expected);
  });

  it.each(["Paris", "cat, purr", "Because.\nSecond line.", "f(1)", "[1, 2", "'open"])("rejects %j", (input) => {
    expect(() => literalEval(input)).toThrow();
  });

  it("rejects complex numbers, which Python accepts but JS cannot hold", () => {
    expect(() => literalEval("1j")).toThrow("complex numbers are not supported");
  });
});
