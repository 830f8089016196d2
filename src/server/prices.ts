// List prices of common models, USD per million tokens, as published by their
// vendors when this table was last checked (PRICES.version). Cost is always an
// estimate: cached-input discounts, batch pricing and long-context tiers are not
// modelled. Null when a run used a model that is not listed here.
import type { Usage, UsageByModel } from "../dspy/events";

export interface ModelPrice {
  prompt: number;
  completion: number;
}

export const PRICES = {
  version: "2025-08",
  currency: "USD",
  unit: "per million tokens",
  models: {
    "gpt-4o-mini": { prompt: 0.15, completion: 0.6 },
    "gpt-4o": { prompt: 2.5, completion: 10 },
    "gpt-4.1": { prompt: 2, completion: 8 },
    "gpt-4.1-mini": { prompt: 0.4, completion: 1.6 },
    "gpt-4.1-nano": { prompt: 0.1, completion: 0.4 },
    "gpt-5": { prompt: 1.25, completion: 10 },
    "gpt-5-mini": { prompt: 0.25, completion: 2 },
    "gpt-5-nano": { prompt: 0.05, completion: 0.4 },
    "gpt-3.5-turbo": { prompt: 0.5, completion: 1.5 },
    o1: { prompt: 15, completion: 60 },
    o3: { prompt: 2, completion: 8 },
    "o3-mini": { prompt: 1.1, completion: 4.4 },
    "o4-mini": { prompt: 1.1, completion: 4.4 },
    "claude-opus-4": { prompt: 15, completion: 75 },
    "claude-sonnet-4": { prompt: 3, completion: 15 },
    "claude-3-7-sonnet": { prompt: 3, completion: 15 },
    "claude-3-5-sonnet": { prompt: 3, completion: 15 },
    "claude-3-5-haiku": { prompt: 0.8, completion: 4 },
    "gemini-2.5-pro": { prompt: 1.25, completion: 10 },
    "gemini-2.5-flash": { prompt: 0.3, completion: 2.5 },
    "gemini-2.0-flash": { prompt: 0.1, completion: 0.4 },
  } as Record<string, ModelPrice>,
};

export function priceOf(model: string): ModelPrice | undefined {
  if (model.includes("demo")) return { prompt: 0, completion: 0 };
  // "openai/gpt-4o-mini" and dated snapshots ("gpt-4o-mini-2024-07-18", "claude-sonnet-4-20250514") price as the base model.
  const bare = model.split("/").pop()!;
  const key = Object.keys(PRICES.models)
    .sort((a, b) => b.length - a.length)
    .find((k) => bare === k || bare.startsWith(`${k}-20`) || bare === `${k}-latest`);
  return key ? PRICES.models[key] : undefined;
}

/** Estimated USD of one LM call's usage; null for an unlisted model. */
export function callCost(model: string, usage: Pick<Usage, "prompt_tokens" | "completion_tokens">): number | null {
  const price = priceOf(model);
  return price ? (usage.prompt_tokens * price.prompt + usage.completion_tokens * price.completion) / 1e6 : null;
}

export function costOf(usage: UsageByModel): number | null {
  let total = 0;
  for (const [model, u] of Object.entries(usage)) {
    const cost = callCost(model, u);
    if (cost === null) return null;
    total += cost;
  }
  return total;
}
