// The playground: one LM call with messages and parameters a person edited
// (usually copied from an LM row of a run), run and logged as a run of its own
// under the program whose LM it uses. Its trace is module{lm}: the same events
// as any run, so the same views show it.
import { z } from "zod";
import { currentContext } from "../dspy/context";
import { Message } from "../dspy/events";
import { Module, type Inputs } from "../dspy/module";
import { Prediction } from "../dspy/prediction";
import { Signature } from "../dspy/signature";
import type { Program } from "../programs/define";

/** Request parameters a person may set; anything else is refused by name, not silently sent. */
export const PlaygroundParams = z
  .object({
    temperature: z.number().min(0).max(2),
    max_tokens: z.number().int().min(1).max(200_000),
    top_p: z.number().min(0).max(1),
    n: z.number().int().min(1).max(8),
    seed: z.number().int(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]),
  })
  .partial()
  .strict();

export const PlaygroundRequest = z
  .object({
    program: z.string().describe("Whose LM to call; the run is listed under this program"),
    messages: z.array(Message).min(1).max(200),
    params: PlaygroundParams.default({}),
    /** Where the prompt came from, kept in the run's inputs so the run can be traced back. */
    from: z.object({ run_id: z.string().max(64), call_id: z.string().max(64) }).strict().optional(),
  })
  .strict();
export type PlaygroundRequest = z.infer<typeof PlaygroundRequest>;

const SIGNATURE = new Signature("messages: list[dict[str, str]], params: dict[str, Any] -> text: str");

/** Sends its inputs' messages as they are: no adapter, no signature formatting. */
class PlaygroundCall extends Module {
  static override readonly className = "Playground";

  override resultFields() {
    return SIGNATURE.outputFields;
  }

  override async forward(inputs: Inputs): Promise<Prediction> {
    const lm = currentContext().lm;
    if (!lm) throw new Error("The playground has no LM configured");
    const result = await lm.call(inputs.messages as Message[], inputs.params as Record<string, unknown>);
    const completions = result.texts.map((text) => ({ text }));
    return new Prediction(completions[0], completions);
  }
}

/** A run-able program that makes one LM call with `base`'s LM. */
export function playgroundProgram(base: Program): Program {
  return {
    name: base.name,
    description: `One LM call with ${base.name}'s LM`,
    kind: PlaygroundCall.className,
    signature: SIGNATURE,
    resultFields: SIGNATURE.outputFields,
    streaming: true,
    examples: [],
    state: null,
    create: () => {
      const m = new PlaygroundCall();
      m.name = "playground";
      return m;
    },
    lm: base.lm,
  };
}
