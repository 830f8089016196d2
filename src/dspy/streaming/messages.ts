// What `streamify` yields besides the final Prediction, DSPy's
// dspy/streaming/messages.py in camelCase: field chunks and status messages,
// with a provider whose methods decide the status text (undefined: no message).

/** A chunk of one output field of one predictor (DSPy's StreamResponse). */
export class StreamResponse {
  constructor(
    /** The predictor's name in the program (`predict`, `generate_query.predict`; `self` for a bare Predict). */
    readonly predictName: string,
    /** The output field (DSPy: signature_field_name). */
    readonly field: string,
    readonly chunk: string,
    /** True on the field's final chunk. */
    readonly isLastChunk: boolean,
  ) {}
}

/** A progress line (DSPy's StatusMessage). */
export class StatusMessage {
  constructor(readonly message: string) {}
}

type Inputs = Record<string, unknown>;

/**
 * Status text per hook, DSPy's StatusMessageProvider: tools say when they are
 * called and when they finish; modules and LM calls say nothing unless a
 * subclass returns text. Return undefined for no message.
 */
export class StatusMessageProvider {
  toolStartStatusMessage(instance: { name?: string }, _inputs: Inputs): string | undefined {
    return `Calling tool ${instance.name}...`;
  }

  toolEndStatusMessage(_outputs: unknown): string | undefined {
    return "Tool calling finished! Querying the LLM with tool calling results...";
  }

  moduleStartStatusMessage(_instance: unknown, _inputs: Inputs): string | undefined {
    return undefined;
  }

  moduleEndStatusMessage(_outputs: unknown): string | undefined {
    return undefined;
  }

  lmStartStatusMessage(_instance: unknown, _inputs: Inputs): string | undefined {
    return undefined;
  }

  lmEndStatusMessage(_outputs: unknown): string | undefined {
    return undefined;
  }
}
