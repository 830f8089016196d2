// A module's result, like dspy.Prediction: output fields readable as
// properties (`prediction.answer`) and through `get`, every completion kept
// (n > 1), and the LM usage of the call that produced it, per model.
import type { UsageByModel } from "./events";

type Outputs = Record<string, unknown>;

/** Names that are Prediction's own API; an output field with one of them is reachable through `get`. */
const RESERVED = new Set(["get", "keys", "toJSON", "completions", "usage", "outputs", "toString", "constructor"]);

export class Prediction {
  static readonly className = "Prediction";
  /** Output fields as properties; TypeScript sees them as unknown. */
  [field: string]: unknown;

  readonly #outputs: Outputs;
  readonly #completions: Outputs[];
  #usage: UsageByModel = {};

  constructor(outputs: Outputs = {}, completions?: Outputs[]) {
    this.#outputs = { ...outputs };
    this.#completions = completions ?? [this.#outputs];
    for (const [name, value] of Object.entries(this.#outputs)) {
      if (!RESERVED.has(name)) Object.defineProperty(this, name, { value, enumerable: true, writable: false });
    }
  }

  /** Result fields from the first completion, every completion kept (DSPy's `from_completions`). */
  static fromCompletions(completions: Outputs[]): Prediction {
    if (completions.length === 0) throw new Error("A Prediction needs at least one completion");
    return new Prediction(completions[0], completions);
  }

  get(field: string): unknown {
    return this.#outputs[field];
  }

  keys(): string[] {
    return Object.keys(this.#outputs);
  }

  /** The output fields as a plain object (what JSON.stringify and events show). */
  get outputs(): Outputs {
    return { ...this.#outputs };
  }

  /** Every completion's fields, in choice order; the first is this prediction's. */
  get completions(): Outputs[] {
    return this.#completions.map((c) => ({ ...c }));
  }

  /** LM usage per model of the module call that returned this prediction. */
  get usage(): UsageByModel {
    return structuredClone(this.#usage);
  }

  /** Set by Module.call once the call finished. */
  setUsage(usage: UsageByModel): void {
    this.#usage = structuredClone(usage);
  }

  toJSON(): Outputs {
    return this.outputs;
  }

  toString(): string {
    const fields = Object.entries(this.#outputs).map(([k, v]) => `    ${k}=${JSON.stringify(v)}`);
    return `Prediction(\n${fields.join(",\n")}\n)`;
  }
}
