// Prices one LM call from the server's table (GET /api/prices), with the same
// model-name rule as src/server/prices.ts (demo models are free; a provider
// prefix or a dated snapshot prices as the base model). test/server/run-find.test.ts
// checks both give the same cost for every listed model and its variants.
import type { Prices } from "./types";

export function callCost(prices: Prices, model: string, usage: { prompt_tokens: number; completion_tokens: number }): number | null {
  if (model.includes("demo")) return 0;
  const bare = model.split("/").pop()!;
  const key = Object.keys(prices.models)
    .sort((a, b) => b.length - a.length)
    .find((k) => bare === k || bare.startsWith(`${k}-20`) || bare === `${k}-latest`);
  if (!key) return null;
  const p = prices.models[key];
  return (usage.prompt_tokens * p.prompt + usage.completion_tokens * p.completion) / 1e6;
}
