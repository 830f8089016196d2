// USD per million tokens for models whose list price we know; cost is an
// estimate shown in metrics, null when a run used a model not listed here.
import type { UsageByModel } from "../dspy/events";

const PER_MILLION: Record<string, { prompt: number; completion: number }> = {
  "gpt-4o-mini": { prompt: 0.15, completion: 0.6 },
  "gpt-4o": { prompt: 2.5, completion: 10 },
  "gpt-4.1": { prompt: 2, completion: 8 },
  "gpt-4.1-mini": { prompt: 0.4, completion: 1.6 },
  "gpt-4.1-nano": { prompt: 0.1, completion: 0.4 },
};

function priceOf(model: string) {
  if (model.includes("demo")) return { prompt: 0, completion: 0 };
  // "openai/gpt-4o-mini" and dated snapshots ("gpt-4o-mini-2024-07-18") price as the base model.
  const bare = model.split("/").pop()!;
  const key = Object.keys(PER_MILLION)
    .sort((a, b) => b.length - a.length)
    .find((k) => bare === k || bare.startsWith(`${k}-20`));
  return key ? PER_MILLION[key] : undefined;
}

export function costOf(usage: UsageByModel): number | null {
  let total = 0;
  for (const [model, u] of Object.entries(usage)) {
    const price = priceOf(model);
    if (!price) return null;
    total += (u.prompt_tokens * price.prompt + u.completion_tokens * price.completion) / 1e6;
  }
  return total;
}
