// Token usage per model, summed over a scope (a module call, a run): DSPy's
// `get_lm_usage()` shape. A module's tracker forwards to its parent's, so every
// Prediction carries the usage of its own sub-tree and the run gets the total.
import type { Usage, UsageByModel } from "./events";

export function addUsage(into: UsageByModel, model: string, usage: Usage): void {
  const prev = into[model] ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  into[model] = {
    prompt_tokens: prev.prompt_tokens + usage.prompt_tokens,
    completion_tokens: prev.completion_tokens + usage.completion_tokens,
    total_tokens: prev.total_tokens + usage.total_tokens,
  };
}

export class UsageTracker {
  private readonly totals: UsageByModel = {};

  constructor(private readonly parent?: UsageTracker) {}

  add(model: string, usage: Usage): void {
    addUsage(this.totals, model, usage);
    this.parent?.add(model, usage);
  }

  /** A copy of the totals so far. */
  get byModel(): UsageByModel {
    return structuredClone(this.totals);
  }
}
