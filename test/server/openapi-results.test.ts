// The documented 200 response of `POST /{program}` names exactly what a real
// run answers: `run_id` plus every field of the root module's Prediction
// (ReAct's `trajectory`, the `reasoning` of ProgramOfThought's answer step, …),
// in the same order, with values that pass the documented types.
import { describe, expect, it } from "vitest";
import { Signature } from "../../src/dspy/signature";
import { getProgram } from "../../src/programs/registry";
import { fetchWithEnv } from "./helpers";

const fast = { DEMO_LM_DELAY_MS: "0" };

/** Each example with a question the demo LM answers, and the keys DSPy's module would return. */
const EXAMPLES: Record<string, { inputs: Record<string, unknown>; keys: string[] }> = {
  qa: { inputs: { question: "What is the capital of France?" }, keys: ["answer"] },
  reason: { inputs: { question: "What is 17 * 23?" }, keys: ["reasoning", "answer"] },
  classify: { inputs: { text: "I love this product, it is great" }, keys: ["sentiment", "confidence"] },
  agent: { inputs: { question: "What is 12 * 7 + 3?" }, keys: ["trajectory", "reasoning", "answer"] },
  math: { inputs: { question: "What is 2^10 + 5?" }, keys: ["reasoning", "answer"] },
  best: { inputs: { question: "How tall is Mount Everest?" }, keys: ["reasoning", "answer"] },
  compare: { inputs: { question: "What is 6 * 7?" }, keys: ["rationale", "answer"] },
};

describe("OpenAPI response of POST /{program}", () => {
  for (const [name, { inputs, keys }] of Object.entries(EXAMPLES)) {
    it(`${name}: a real response has exactly the documented fields, all required`, async () => {
      const doc = (await (await fetchWithEnv(fast, "/openapi.json")).json()) as any;
      const schema = doc.paths[`/${name}`].post.responses["200"].content["application/json"].schema;
      const res = await fetchWithEnv(fast, `/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(inputs) });
      const body = (await res.json()) as Record<string, unknown>;
      expect(res.status, JSON.stringify(body)).toBe(200);

      expect(Object.keys(body)).toEqual(["run_id", ...keys]);
      expect(Object.keys(schema.properties)).toEqual(Object.keys(body));
      expect(schema.required).toEqual(Object.keys(body));
      expect(schema.properties.run_id).toEqual({ type: "string" });
      const { run_id: _id, ...result } = body;
      const declared = new Signature(getProgram(name)!.resultFields).outputsSchema();
      expect(declared.safeParse(result).success, JSON.stringify(result)).toBe(true);
    });
  }

  it("types ReAct's trajectory as an object of the steps, and lists it in the program catalogue", async () => {
    const doc = (await (await fetchWithEnv(fast, "/openapi.json")).json()) as any;
    const agent = doc.paths["/agent"].post.responses["200"].content["application/json"].schema;
    expect(agent.properties.trajectory).toMatchObject({ type: "object" });
    expect(agent.properties.reasoning).toMatchObject({ type: "string" });
    const { programs } = (await (await fetchWithEnv(fast, "/api/programs")).json()) as { programs: any[] };
    const info = programs.find((p) => p.name === "agent");
    expect(info.result.fields.map((f: { name: string; type: string }) => `${f.name}: ${f.type}`)).toEqual([
      "trajectory: dict[str, Any]",
      "reasoning: str",
      "answer: str",
    ]);
    expect(info.signature.outputs.map((f: { name: string }) => f.name)).toEqual(["answer"]);
  });
});
