// Per-field token streams (lm_delta.field): each adapter's FieldStream splits a
// completion by output field wherever the chunk boundaries fall, and the LM's
// deltas carry the result, end to end through the real openai SDK.
import { describe, expect, it } from "vitest";
import { ChatAdapter } from "../../src/dspy/adapters/chat";
import { JSONAdapter } from "../../src/dspy/adapters/json";
import { XMLAdapter } from "../../src/dspy/adapters/xml";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import { context } from "../../src/dspy/context";
import type { EventDraft } from "../../src/dspy/events";
import { LM } from "../../src/dspy/lm";
import { Predict } from "../../src/dspy/predict";
import { Signature } from "../../src/dspy/signature";
import { ChatFieldStream } from "../../src/dspy/streaming/chat-fields";
import type { FieldPiece, FieldStream } from "../../src/dspy/streaming/fields";
import { JsonFieldStream } from "../../src/dspy/streaming/json-fields";
import { XmlFieldStream } from "../../src/dspy/streaming/xml-fields";
import { ofType, recordEvents } from "../helpers/events";

/** Feeds `text` cut at `cuts` and returns every piece, end included. */
function run(stream: FieldStream, text: string, cuts: number[]): FieldPiece[] {
  const pieces: FieldPiece[] = [];
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    pieces.push(...stream.push(text.slice(at, cut)));
    at = cut;
  }
  pieces.push(...stream.end());
  return pieces;
}

function byField(pieces: FieldPiece[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pieces) if (p.field !== null) out[p.field] = (out[p.field] ?? "") + p.text;
  return out;
}

/** Every way to cut the text once and twice (pairs on a stride, to stay quick). */
function cutsOf(text: string): number[][] {
  const all: number[][] = [[]];
  for (let i = 1; i < text.length; i++) all.push([i]);
  for (let i = 1; i < text.length; i += 3) for (let j = i + 1; j < text.length; j += 5) all.push([i, j]);
  // One character per chunk: every boundary at once.
  all.push(Array.from({ length: text.length - 1 }, (_, i) => i + 1));
  return all;
}

function expectSplitsAgree(make: () => FieldStream, text: string, expected: Record<string, string>, order: (string | null)[]) {
  for (const cuts of cutsOf(text)) {
    const pieces = run(make(), text, cuts);
    const where = `cuts ${JSON.stringify(cuts)}`;
    expect(pieces.map((p) => p.text).join(""), where).toBe(text);
    expect(byField(pieces), where).toEqual(expected);
    // Neighbouring pieces of one field are merged per push; across pushes the field sequence is the same.
    const fields = pieces.map((p) => p.field).filter((f, i, a) => i === 0 || f !== a[i - 1]);
    expect(fields, where).toEqual(order);
  }
}

describe("ChatAdapter field stream", () => {
  const sig = new Signature("question -> reasoning, answer");
  const text =
    "Sure.\n[[ ## reasoning ## ]]\nLet me think: [[ is not a marker here.\n  Two lines.  \n\n" +
    "[[ ## answer ## ]] Tokyo\n\n[[ ## completed ## ]]\n";

  it("matches ChatAdapter.parse for every chunking, markers never inside a field", () => {
    const parsed = new ChatAdapter().parse(sig, text);
    expect(parsed).toEqual({ reasoning: "Let me think: [[ is not a marker here.\n  Two lines.", answer: "Tokyo" });
    expectSplitsAgree(() => new ChatFieldStream(["reasoning", "answer"]), text, parsed as Record<string, string>, [
      null,
      "reasoning",
      null,
      "answer",
      null,
    ]);
  });

  it("unknown headers, repeated sections and a header mid-line are what the parser says they are", () => {
    const tricky =
      "[[ ## answer ## ]]\nfirst [[ ## answer ## ]] stays\n[[ ## notes ## ]]\nignored\n[[ ## answer ## ]]\nsecond\n";
    const parsed = new ChatAdapter().parse(new Signature("q -> answer"), tricky);
    expect(parsed).toEqual({ answer: "first [[ ## answer ## ]] stays" });
    expectSplitsAgree(() => new ChatFieldStream(["answer"]), tricky, parsed as Record<string, string>, [null, "answer", null]);
  });

  it("holds back a possible header only until it is decided", () => {
    const stream = new ChatFieldStream(["answer"]);
    expect(stream.push("[[ ## answer ## ]]\nTok")).toEqual([
      { text: "[[ ## answer ## ]]\n", field: null },
      { text: "Tok", field: "answer" },
    ]);
    expect(stream.push("yo\n\n[[ ## comp")).toEqual([{ text: "yo", field: "answer" }]);
    expect(stream.push("leted ## ]]")).toEqual([{ text: "\n\n[[ ## completed ## ]]", field: null }]);
    // "[x" cannot start a header: released at once.
    expect(stream.push("\n[x")).toEqual([{ text: "\n[x", field: null }]);
  });
});

describe("JSONAdapter field stream", () => {
  const sig = new Signature("question -> reasoning, answer: int, items: list[str]");
  const text =
    'Here you go:\n```json\n{\n  "reasoning": "Say \\"hi\\", then {count}",\n  "answer": 42,\n' +
    '  "extra": "not a field",\n  "items": ["a", "b, c"]\n}\n```';

  it("string values between their quotes, other values as JSON text, for every chunking", () => {
    expect(new JSONAdapter().parse(sig, text)).toEqual({ reasoning: 'Say "hi", then {count}', answer: 42, items: ["a", "b, c"] });
    expectSplitsAgree(
      () => new JsonFieldStream(["reasoning", "answer", "items"]),
      text,
      { reasoning: 'Say \\"hi\\", then {count}', answer: "42", items: '["a", "b, c"]' },
      [null, "reasoning", null, "answer", null, "items", null],
    );
  });
});

describe("XMLAdapter field stream (DSPy's XML format)", () => {
  const text = "<reasoning>\n  Think about <b>bold</b> tags.\n</reasoning>\n<answer>Tokyo</answer>\n";

  it("top-level tags open fields, nested tags stay in the value, edges stripped, for every chunking", () => {
    expectSplitsAgree(
      () => new XmlFieldStream(["reasoning", "answer"]),
      text,
      { reasoning: "Think about <b>bold</b> tags.", answer: "Tokyo" },
      [null, "reasoning", null, "answer", null],
    );
  });

  it("a `<` that cannot be a tag is text", () => {
    const pieces = run(new XmlFieldStream(["answer"]), "<answer>1 < 2 and 3 <4</answer>", [9, 14]);
    expect(byField(pieces)).toEqual({ answer: "1 < 2 and 3 <4" });
  });
});

/**
 * A chat-completions endpoint that streams `text` in the real wire format,
 * cut into chunks of `size` characters: markers split across chunks.
 */
function chunkedFetch(texts: string[], size: number): typeof fetch {
  let call = 0;
  return (async (_input: RequestInfo | URL, _init?: RequestInit) => {
    const text = texts[Math.min(call++, texts.length - 1)];
    const frame = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({
        id: "chatcmpl-x",
        object: "chat.completion.chunk",
        created: 1,
        model: "gpt-4o-mini",
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      })}\n\n`;
    let body = frame({ role: "assistant", content: "" });
    for (let i = 0; i < text.length; i += size) body += frame({ content: text.slice(i, i + size) });
    body += frame({}, "stop") + "data: [DONE]\n\n";
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  }) as typeof fetch;
}

function fieldTexts(events: EventDraft[]) {
  const out: Record<string, string> = {};
  for (const d of ofType(events, "lm_delta")) if (d.field) out[d.field] = (out[d.field] ?? "") + d.delta;
  return out;
}

describe("lm_delta.field end to end (openai SDK, awkward chunk boundaries)", () => {
  for (const size of [1, 2, 3, 7]) {
    it(`ChainOfThought over ChatAdapter, ${size}-character chunks`, async () => {
      const completion = "[[ ## reasoning ## ]]\nEight plus one.\n\n[[ ## answer ## ]]\n9\n\n[[ ## completed ## ]]";
      const lm = new LM("gpt-4o-mini", { apiKey: "k", baseURL: "https://x.test/v1", fetch: chunkedFetch([completion], size) });
      const { events, recorder } = recordEvents();
      const result = await context({ lm, callbacks: [recorder] }, () => new ChainOfThought("question -> answer").call({ question: "8+1?" }));
      const deltas = ofType(events, "lm_delta");
      expect(deltas.map((d) => d.delta).join("")).toBe(ofType(events, "lm_end")[0].text);
      expect(deltas.every((d) => d.field === null || d.field === "reasoning" || d.field === "answer")).toBe(true);
      expect(fieldTexts(events)).toEqual({ reasoning: result.reasoning, answer: result.answer });
      // Fields arrive in order: reasoning's text entirely before answer's.
      const order = deltas.map((d) => d.field).filter((f) => f !== null);
      expect(order.lastIndexOf("reasoning")).toBeLessThan(order.indexOf("answer"));
    });
  }

  it("JSONAdapter, and ChatAdapter's JSON fallback call, track JSON keys", async () => {
    const json = '{"answer": "Paris, of course"}';
    for (const adapter of [new JSONAdapter(), new ChatAdapter()]) {
      // ChatAdapter gets prose first (parse fails), then JSON on its fallback call.
      const texts = adapter instanceof JSONAdapter ? [json] : ["no markers at all", json];
      const lm = new LM("gpt-4o-mini", { apiKey: "k", baseURL: "https://x.test/v1", fetch: chunkedFetch(texts, 3) });
      const { events, recorder } = recordEvents();
      const result = await context({ lm, adapter, callbacks: [recorder] }, () => new Predict("question -> answer").call({ question: "?" }));
      expect(result.answer).toBe("Paris, of course");
      const calls = ofType(events, "lm_start").map((s) => ofType(events, "lm_delta").filter((d) => d.call_id === s.call_id));
      const last = calls.at(-1)!;
      expect(last.filter((d) => d.field === "answer").map((d) => d.delta).join("")).toBe("Paris, of course");
      if (calls.length === 2) expect(calls[0].every((d) => d.field === null)).toBe(true);
    }
  });

  it("XMLAdapter tracks its tags, chunked anywhere", async () => {
    const completion = "<reasoning>\nNine is 8 + 1.\n</reasoning>\n<answer>\n9\n</answer>";
    for (const size of [1, 3, 5]) {
      const lm = new LM("gpt-4o-mini", { apiKey: "k", baseURL: "https://x.test/v1", fetch: chunkedFetch([completion], size) });
      const { events, recorder } = recordEvents();
      const result = await context({ lm, adapter: new XMLAdapter(), callbacks: [recorder] }, () =>
        new ChainOfThought("question -> answer").call({ question: "8+1?" }),
      );
      expect(fieldTexts(events)).toEqual({ reasoning: result.reasoning, answer: result.answer });
      expect(ofType(events, "lm_delta").map((d) => d.delta).join("")).toBe(completion);
    }
  });

  it("an LM called without an adapter sends deltas without `field`", async () => {
    const lm = new LM("gpt-4o-mini", { apiKey: "k", baseURL: "https://x.test/v1", fetch: chunkedFetch(["[[ ## a ## ]]\nx"], 4) });
    const { events, recorder } = recordEvents();
    await context({ callbacks: [recorder] }, () => lm.call([{ role: "user", content: "hi" }]));
    expect(ofType(events, "lm_delta").every((d) => !("field" in d))).toBe(true);
  });
});
