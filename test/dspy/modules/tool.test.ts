import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Callback } from "../../../src/dspy/callbacks";
import { context } from "../../../src/dspy/context";
import { Tool, ToolArgsError } from "../../../src/dspy/tool";

const searchWiki = new Tool(({ query, limit }) => `${limit} passages about ${query}`, {
  name: "search_wiki",
  desc: "Search an encyclopedia and return short passages.",
  args: z.object({ query: z.string(), limit: z.number().int().default(3) }),
});

describe("Tool rendering", () => {
  it("prints a zod-declared tool exactly as DSPy prints it in ReAct instructions", () => {
    expect(String(searchWiki)).toBe(
      "search_wiki, whose description is <desc>Search an encyclopedia and return short passages.</desc>. " +
        "It takes arguments {'query': {'type': 'string'}, 'limit': {'type': 'integer', 'default': 3}}.",
    );
  });

  it("accepts a JSON schema or DSPy's name → schema map, and prints Python literals", () => {
    const fromSchema = new Tool(() => "", {
      name: "f",
      desc: "multi\nline",
      args: { type: "object", properties: { on: { type: "boolean", default: true }, x: { type: ["string", "null"], default: null } } },
    });
    expect(String(fromSchema)).toBe(
      "f, whose description is <desc>multi  line</desc>. It takes arguments {'on': {'type': 'boolean', 'default': True}, 'x': {'type': ['string', 'null'], 'default': None}}.",
    );
    const fromMap = new Tool(() => "", { name: "g", args: { city: { type: "string", description: "it's a city" } } });
    expect(String(fromMap)).toBe(`g. It takes arguments {'city': {'type': 'string', 'description': "it's a city"}}.`);
    expect(fromMap.required).toEqual(["city"]);
  });

  it("takes its name from the function and no args by default", () => {
    function finish() {
      return "Completed.";
    }
    expect(String(new Tool(finish))).toBe("finish. It takes arguments {}.");
  });
});

describe("Tool calls", () => {
  it("fills defaults and awaits async functions", async () => {
    const slow = new Tool(async ({ query, limit }) => ({ query, limit }), {
      name: "slow",
      args: z.object({ query: z.string(), limit: z.number().int().default(3) }),
    });
    await expect(slow.call({ query: "x" })).resolves.toEqual({ query: "x", limit: 3 });
    await expect(searchWiki.call({ query: "Paris", limit: 2 })).resolves.toBe("2 passages about Paris");
  });

  it("refuses unknown args with DSPy's text", async () => {
    await expect(searchWiki.call({ query: "x", topic: "y" })).rejects.toThrow(
      new ToolArgsError("Arg topic is not in the tool's args."),
    );
  });

  it("refuses schema-invalid args with jsonschema's text and never coerces", async () => {
    await expect(searchWiki.call({ query: "x", limit: "3" })).rejects.toThrow(
      "Arg limit is invalid: '3' is not of type 'integer'",
    );
    await expect(searchWiki.call({ query: 7 })).rejects.toThrow("Arg query is invalid: 7 is not of type 'string'");
    const pick = new Tool(({ mode }) => mode, { name: "pick", args: z.object({ mode: z.enum(["a", "b"]) }) });
    await expect(pick.call({ mode: "c" })).rejects.toThrow("Arg mode is invalid: 'c' is not one of ['a', 'b']");
  });

  it("reports missing required args", async () => {
    await expect(searchWiki.call({ limit: 1 })).rejects.toThrow("search_wiki() missing 1 required argument: 'query'");
  });

  it("applies zod refinements that JSON schema cannot express", async () => {
    const email = new Tool(({ to }) => to, { name: "mail", args: z.object({ to: z.email() }) });
    await expect(email.call({ to: "nope" })).rejects.toThrow(/^Arg to is invalid: /);
    await expect(email.call({ to: "a@b.co" })).resolves.toBe("a@b.co");
  });

  it("fires tool callbacks with {kwargs} and the result or the error", async () => {
    const log: unknown[] = [];
    const cb: Callback = {
      onToolStart: (id, instance, inputs) => log.push(["start", (instance as Tool).name, inputs]),
      onToolEnd: (id, outputs, error) => log.push(["end", outputs, error ? (error as Error).message : null]),
    };
    await context({ callbacks: [cb] }, async () => {
      await searchWiki.call({ query: "Paris" });
      await searchWiki.call({ bad: 1 }).catch(() => {});
    });
    expect(log).toEqual([
      ["start", "search_wiki", { kwargs: { query: "Paris" } }],
      ["end", "3 passages about Paris", null],
      ["start", "search_wiki", { kwargs: { bad: 1 } }],
      ["end", null, "Arg bad is not in the tool's args."],
    ]);
  });
});
