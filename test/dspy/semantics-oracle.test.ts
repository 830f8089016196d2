// Behaviour cases with DSPy 3.3.1's own results (test/dspy/oracle/semantics.json,
// written by running DSPy itself with a scripted LM: see semantics.py):
// Signature ops on names that already exist, Refine's feedback inputs, and
// which errors end ReAct's loop and which escape it.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ChatAdapter } from "../../src/dspy/adapters/chat";
import { context } from "../../src/dspy/context";
import { LM } from "../../src/dspy/lm";
import { Predict } from "../../src/dspy/predict";
import { ReAct } from "../../src/dspy/react";
import { Refine } from "../../src/dspy/refine";
import { Signature } from "../../src/dspy/signature";
import { Tool } from "../../src/dspy/tool";
import { fakeOpenAIFetch } from "../../src/dspy/utils/fake-openai";
import oracle from "./oracle/semantics.json";

/** Integral Python floats are written {"$float": x} by the oracle. */
function jsValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(jsValue);
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (Object.keys(o).length === 1 && "$float" in o) return o.$float;
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, jsValue(v)]));
  }
  return value;
}

/** An LM answering the oracle's script in order, through the real openai SDK; records every request's messages. */
function scripted(answers: string[]) {
  const queue = [...answers];
  const fetch = fakeOpenAIFetch(() => queue.shift() ?? "(script ran out)");
  const lm = new LM("gpt-4o-mini", { apiKey: "k", baseURL: "https://x.test/v1", fetch });
  return { lm, calls: () => fetch.requests.map((r) => r.body.messages) };
}

describe("DSPy oracle: Signature insert/prepend/append of a name that exists", () => {
  for (const entry of oracle.signature_ops as any[]) {
    const c = entry.case;
    it(c.id, () => {
      const base = new Signature(c.signature);
      const field = { kind: c.kind, type: c.type, desc: c.desc };
      const run = () =>
        c.op === "prepend" ? base.prepend(c.name, field) : c.op === "append" ? base.append(c.name, field) : base.insert(c.index, c.name, field);
      if (entry.error) {
        expect(run).toThrow(entry.error.message);
        return;
      }
      const sig = run();
      expect(sig.inputFields.map((f) => [f.name, f.typeName])).toEqual(entry.inputs.map(([n, t]: string[]) => [n, t]));
      expect(sig.outputFields.map((f) => [f.name, f.typeName])).toEqual(entry.outputs.map(([n, t]: string[]) => [n, t]));
      expect(sig.instructions).toBe(entry.instructions);
      // Descriptions (kept or replaced) show in the system message, byte for byte.
      expect(new ChatAdapter().formatSystemMessage(sig)).toBe(entry.system);
    });
  }
});

/** One `[[ ## name ## ]]` section's text in a user message. */
function section(content: string, name: string): string {
  const start = content.indexOf(`[[ ## ${name} ## ]]\n`);
  if (start < 0) throw new Error(`no section ${name}`);
  const rest = content.slice(start + `[[ ## ${name} ## ]]\n`.length);
  const end = rest.search(/\n\n(\[\[ ## |Respond with)/);
  return end < 0 ? rest : rest.slice(0, end);
}

describe("DSPy oracle: Refine renders the feedback step's non-string inputs as DSPy does", () => {
  const r = oracle.refine as any;

  it("feedback inputs (orjson text: floats, lists, typed records), hints, and the result", async () => {
    const { lm, calls } = scripted(r.answers);
    const module = new Predict("question, k: int, weights: list[float] -> answer, score: float");
    const rewards = [...r.rewards];
    const refine = new Refine(module, { n: 3, threshold: r.threshold, rewardFn: () => rewards.shift()! });
    const result = await context({ lm }, () => refine.call(jsValue(r.inputs) as Record<string, unknown>));
    expect(result.outputs).toEqual(jsValue(r.outputs));
    const ours = calls();
    expect(ours).toHaveLength(r.calls.length);
    // Attempts (0, 2, 4): identical messages, the hint_ input included.
    for (const i of [0, 2, 4]) expect(ours[i]).toEqual(r.calls[i]);
    // Feedback (1, 3): every input DSPy renders from a non-string value. (program_code, modules_defn and
    // reward_code hold Python source in DSPy, JavaScript here.)
    for (const i of [1, 3]) {
      const mine = ours[i].at(-1)!.content;
      const theirs = r.calls[i].at(-1).content;
      for (const name of ["program_inputs", "program_trajectory", "program_outputs", "target_threshold", "reward_value", "module_names"]) {
        expect(section(mine, name), `${name} in call ${i}`).toBe(section(theirs, name));
      }
      expect(ours[i][0]).toEqual(r.calls[i][0]);
    }
  });
});

describe("DSPy oracle: which errors end ReAct's loop, and which escape it", () => {
  const getWeather = new Tool(({ city }) => `Sunny in ${city}`, {
    name: "get_weather",
    desc: "Get the current weather for a city.",
    args: z.object({ city: z.string() }),
  });

  for (const c of oracle.react as any[]) {
    it(`${c.id}${c.error ? " (escapes)" : ""}`, async () => {
      const { lm, calls } = scripted(c.answers);
      const agent = new ReAct("question -> answer", { tools: [getWeather] });
      let outcome: { outputs?: Record<string, unknown>; error?: { type: string; message: string } };
      try {
        const pred = await context({ lm }, () => agent.call({ question: "What's the weather in Paris?" }));
        outcome = { outputs: pred.outputs };
      } catch (error) {
        outcome = { error: { type: (error as Error).name, message: (error as Error).message } };
      }
      expect(calls()).toHaveLength(c.lm_calls);
      if (c.error) {
        // Ours adds ChatAdapter's reason after DSPy's text ("Before that, …"; DSPy chains it in the traceback).
        expect(outcome.error?.type).toBe(c.error.type);
        expect(outcome.error?.message.startsWith(c.error.message)).toBe(true);
        expect(outcome.error?.message.slice(c.error.message.length)).toMatch(/^(Before that, ChatAdapter failed: [\s\S]*)?$/);
        return;
      }
      expect(outcome.error).toBeUndefined();
      const expected = jsValue(c.outputs) as Record<string, any>;
      const trajectory = { ...(outcome.outputs!.trajectory as Record<string, unknown>) };
      // A tool error: DSPy's observation has a Python traceback between these two lines; ours, the last line only.
      for (const [key, value] of Object.entries(expected.trajectory)) {
        if (value && typeof value === "object" && "first_line" in (value as object)) {
          const { first_line, exception } = value as { first_line: string; exception: string };
          expect(trajectory[key]).toBe(`${first_line}\n${exception}`);
          trajectory[key] = value;
        }
      }
      expect({ ...outcome.outputs, trajectory }).toEqual(expected);
    });
  }
});
