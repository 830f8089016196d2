// Per-run context: two runs interleaved in one isolate keep their own LM,
// callbacks and event trees; module paths, usage scopes and abort checks.
import { describe, expect, it } from "vitest";
import { context, currentContext } from "../../src/dspy/context";
import type { EventDraft } from "../../src/dspy/events";
import { LM } from "../../src/dspy/lm";
import { type Inputs, Module } from "../../src/dspy/module";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import { Prediction } from "../../src/dspy/prediction";
import { fakeOpenAIFetch } from "../../src/dspy/utils/fake-openai";
import { deltas, ofType, recordEvents, withDepth } from "../helpers/events";

/** Calls the context's LM once and returns its text. */
class Step extends Module {
  static override readonly className = "Step";
  override async forward(inputs: Inputs) {
    const lm = currentContext().lm!;
    const { texts } = await lm.call([{ role: "user", content: String(inputs.text) }]);
    return new Prediction({ text: texts[0] });
  }
}

class Pipeline extends Module {
  static override readonly className = "Pipeline";
  first = new Step();
  second = new Step();
  override async forward(inputs: Inputs) {
    const a = await this.first.call(inputs);
    const b = await this.second.call({ text: a.text });
    return new Prediction({ text: b.text });
  }
}

function echoLM(model: string, chunkDelayMs: number) {
  const fetch = fakeOpenAIFetch((req) => `${model} says ${req.body.messages.at(-1)!.content}`, { chunkDelayMs });
  return new LM(model, { apiKey: "k", baseURL: "https://x.test/v1", fetch });
}

/** Every call event's parent is a call of the same run, opened earlier. */
function expectWellNested(events: EventDraft[]) {
  const seen = new Set<string>();
  for (const e of withDepth(events)) {
    if (e.parent_id !== null) expect(seen.has(e.parent_id)).toBe(true);
    seen.add(e.call_id);
  }
}

describe("context", () => {
  it("keeps two interleaved runs apart: LM, callbacks, parents", async () => {
    const program = new Pipeline(); // one instance shared by both runs
    const a = recordEvents();
    const b = recordEvents();
    const [ra, rb] = await Promise.all([
      context({ lm: echoLM("model-a", 3), callbacks: [a.recorder] }, () => program.call({ text: "alpha" })),
      context({ lm: echoLM("model-b", 1), callbacks: [b.recorder] }, () => program.call({ text: "beta" })),
    ]);
    expect(ra.text).toBe("model-a says model-a says alpha");
    expect(rb.text).toBe("model-b says model-b says beta");

    for (const [{ events }, model] of [[a, "model-a"], [b, "model-b"]] as const) {
      expectWellNested(events);
      expect(ofType(events, "lm_start").map((e) => e.model)).toEqual([model, model]);
      expect(ofType(events, "lm_delta").every((e) => e.name === model)).toBe(true);
      expect(withDepth(events).filter((e) => e.type !== "lm_delta").map((e) => `${e.type}:${e.name}@${e.depth}`)).toEqual([
        "module_start:Pipeline@0",
        "module_start:Pipeline.first@1",
        `lm_start:${model}@2`,
        `lm_end:${model}@2`,
        "module_end:Pipeline.first@1",
        "module_start:Pipeline.second@1",
        `lm_start:${model}@2`,
        `lm_end:${model}@2`,
        "module_end:Pipeline.second@1",
        "module_end:Pipeline@0",
      ]);
    }
    expect(deltas(a.events).join("")).toBe("model-a says alphamodel-a says model-a says alpha");
    // No call id is shared between the runs.
    const ids = (evs: EventDraft[]) => new Set(withDepth(evs).map((e) => e.call_id));
    expect([...ids(a.events)].some((id) => ids(b.events).has(id))).toBe(false);
  });

  it("keeps two interleaved ChainOfThought runs apart, deltas included", async () => {
    const cot = new ChainOfThought("question -> answer");
    const lmFor = (model: string, delay: number) => {
      const fetch = fakeOpenAIFetch(
        (req) => `[[ ## reasoning ## ]]\n${model} thinks about ${req.body.messages.at(-1)!.content.split("\n")[1]}\n\n[[ ## answer ## ]]\n${model}\n\n[[ ## completed ## ]]`,
        { chunkDelayMs: delay },
      );
      return new LM(model, { apiKey: "k", fetch });
    };
    const a = recordEvents();
    const b = recordEvents();
    const [ra, rb] = await Promise.all([
      context({ lm: lmFor("slow", 2), callbacks: [a.recorder] }, () => cot.call({ question: "apples" })),
      context({ lm: lmFor("fast", 0), callbacks: [b.recorder] }, () => cot.call({ question: "pears" })),
    ]);
    expect([ra.answer, ra.reasoning, rb.answer, rb.reasoning]).toEqual(["slow", "slow thinks about apples", "fast", "fast thinks about pears"]);
    for (const { events } of [a, b]) {
      expectWellNested(events);
      expect(withDepth(events).filter((e) => e.type !== "lm_delta").map((e) => `${e.type}@${e.depth}`)).toEqual([
        "module_start@0", "module_start@1", "adapter_format_start@2", "adapter_format_end@2", "lm_start@2",
        "lm_end@2", "adapter_parse_start@2", "adapter_parse_end@2", "module_end@1", "module_end@0",
      ]);
      const [lmStart] = ofType(events, "lm_start");
      expect(ofType(events, "lm_delta").every((d) => d.call_id === lmStart.call_id && d.parent_id === lmStart.parent_id)).toBe(true);
      expect(deltas(events).join("")).toBe(ofType(events, "lm_end")[0].text);
    }
  });

  it("names the root by its name and children by attribute", async () => {
    const program = new Pipeline();
    program.name = "qa";
    const { events, recorder } = recordEvents();
    await context({ lm: echoLM("m", 0), callbacks: [recorder] }, () => program.call({ text: "x" }));
    expect(ofType(events, "module_start").map((e) => [e.name, e.module])).toEqual([
      ["qa", "Pipeline"],
      ["qa.first", "Step"],
      ["qa.second", "Step"],
    ]);
  });

  it("names one instance called concurrently from two parents by each call's own parent", async () => {
    // One shared Step held by two parents under different attribute names, called at the same time.
    const shared = new Step();
    const seenPaths: string[] = [];
    class Holder extends Module {
      static override readonly className = "Holder";
      constructor(
        readonly attr: string,
        readonly delay: number,
      ) {
        super();
        (this as any)[attr] = shared;
      }
      override async forward(inputs: Inputs) {
        const child = (this as any)[this.attr] as Step;
        await new Promise((r) => setTimeout(r, this.delay));
        const out = await child.call(inputs);
        return new Prediction({ text: out.text });
      }
    }
    const spy = { onLmEnd: () => seenPaths.push(shared.path) };
    const left = new Holder("left", 5);
    left.name = "L";
    const right = new Holder("right", 0);
    right.name = "R";
    const { events, recorder } = recordEvents();
    await context({ lm: echoLM("m", 2), callbacks: [recorder, spy] }, () =>
      Promise.all([left.call({ text: "l" }), right.call({ text: "r" })]),
    );
    expectWellNested(events);
    const byId = new Map(ofType(events, "module_start").map((e) => [e.call_id, e]));
    const children = ofType(events, "module_start").filter((e) => e.module === "Step");
    expect(children.map((e) => [e.name, byId.get(e.parent_id!)!.name]).sort()).toEqual([
      ["L.left", "L"],
      ["R.right", "R"],
    ]);
    // Each end event carries its own call's name, even though the calls overlapped.
    const ends = ofType(events, "module_end").filter((e) => children.some((c) => c.call_id === e.call_id));
    expect(ends.map((e) => e.name).sort()).toEqual(["L.left", "R.right"]);
    // `path` read inside each call (an LM end hook, after the other call began) is that call's path; outside any call, the class name.
    expect(seenPaths.sort()).toEqual(["L.left", "R.right"]);
    expect(shared.path).toBe("Step");
  });

  it("scopes usage per module call and sums it for the root", async () => {
    const program = new Pipeline();
    const { recorder } = recordEvents();
    const result = await context({ lm: echoLM("m", 0), callbacks: [recorder] }, () => program.call({ text: "x" }));
    const first = await context({ lm: echoLM("m", 0) }, () => program.first.call({ text: "x" }));
    expect(result.usage.m.total_tokens).toBeGreaterThan(first.usage.m.total_tokens);
    expect(result.usage).toEqual(recorder.usage);
  });

  it("stops between steps once the run is aborted, with the error in module_end", async () => {
    const controller = new AbortController();
    const program = new Pipeline();
    const { events, recorder } = recordEvents();
    const stopper = { onModuleEnd: (_id: string, outputs: unknown) => outputs && controller.abort(new Error("cancelled")) };
    const error = await context({ lm: echoLM("m", 0), callbacks: [recorder, stopper], signal: controller.signal }, () =>
      program.call({ text: "x" }),
    ).catch((e) => e);
    expect(error.message).toBe("cancelled");
    // The second step started (its module_start fired) but made no LM call.
    expect(ofType(events, "lm_start")).toHaveLength(1);
    const ends = ofType(events, "module_end");
    expect(ends.map((e) => [e.name, e.error?.message ?? null])).toEqual([
      ["Pipeline.first", null],
      ["Pipeline.second", "cancelled"],
      ["Pipeline", "cancelled"],
    ]);
  });

  it("restores the outer settings after a nested context", async () => {
    const outer = echoLM("outer", 0);
    const inner = echoLM("inner", 0);
    await context({ lm: outer }, async () => {
      await context({ lm: inner }, async () => expect(currentContext().lm).toBe(inner));
      expect(currentContext().lm).toBe(outer);
    });
    expect(currentContext().lm).toBeUndefined();
  });
});
