// Run a module up to N times and keep the best, like dspy.BestOfN
// (dspy/predict/best_of_n.py): each attempt uses a copy of the LM at
// temperature 1.0 with its own rollout id (part of the LM cache key, so
// attempts are not cache hits of one another); the first attempt whose reward
// reaches the threshold wins at once, else the highest reward. Each attempt is
// its own module call, so it shows as a sub-tree of this module's events.
import { asStep, noteAttempts } from "./call-note";
import { context, currentContext } from "./context";
import type { LM } from "./lm";
import { type CallOptions, type Inputs, Module } from "./module";
import { Predict } from "./predict";
import type { Prediction } from "./prediction";
import { SavedLM } from "./saved-state";
import type { Field } from "./signature";

/** Scores an attempt: DSPy's `reward_fn(args, pred)`. May be async. */
export type RewardFn = (inputs: Inputs, prediction: Prediction) => number | Promise<number>;

export interface BestOfNOptions {
  /** Attempts at most. */
  n: number;
  rewardFn: RewardFn;
  /** An attempt scoring at least this is returned at once. */
  threshold: number;
  /** Failed attempts tolerated before the error is raised (DSPy's fail_count; default n). */
  failCount?: number;
}

/** Every Predict reachable through attributes, named by path (DSPy's `named_predictors`). */
export function namedPredictors(module: Module): [string, Predict][] {
  if (module instanceof Predict) return [["self", module]];
  const found: [string, Predict][] = [];
  const walk = (m: Module, prefix: string) => {
    for (const [name, child] of m.namedSubModules()) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (child instanceof Predict) found.push([path, child]);
      else walk(child, path);
    }
  };
  walk(module, "");
  return found;
}

/** The LM the attempts copy: the module's own (all predictors must agree, as DSPy's get_lm) or the call's/context's. */
export function attemptBaseLM(module: Module, options?: CallOptions): LM {
  // A predictor's LM from a loaded saved program counts as its own, as DSPy's get_lm sees the rebuilt LM.
  const own = [...new Set(namedPredictors(module).map(([, p]) => p.lm ?? p.savedLm))];
  if (own.length > 1 && !options?.lm) {
    throw new Error("Multiple LMs are being used in the module. There's no unique LM to return.");
  }
  const base = currentContext().lm;
  const mine = own[0] instanceof SavedLM ? (base ? own[0].bind(base) : undefined) : own[0];
  const lm = options?.lm ?? mine ?? base;
  if (!lm) throw new Error(`No LM is configured for ${module.path}: run it inside context({ lm }, …)`);
  return lm;
}

/** The module once, as attempt `rolloutId`: LM copy at temperature 1.0 with that rollout id, for context and call. */
export function runAttempt(
  module: Module,
  inputs: Inputs,
  lm: LM,
  rolloutId: number,
  extra: Parameters<typeof context>[0] = {},
): Promise<Prediction> {
  const attemptLM = lm.copy({ temperature: 1.0, rollout_id: rolloutId });
  return context({ ...extra, lm: attemptLM, rolloutId }, () => module.call(inputs, { lm: attemptLM }));
}

/**
 * DSPy's failure budget: the error of attempt `idx` is raised once `idx`
 * exceeds the failures still allowed; returns the budget left.
 */
function spendFailure(idx: number, failsLeft: number, error: unknown, who: string, rolloutId: number): number {
  console.warn(`${who}: attempt ${idx + 1} failed with rollout id ${rolloutId}: ${String(error)}`);
  if (idx > failsLeft) throw error;
  return failsLeft - 1;
}

export class BestOfN extends Module {
  static override readonly className: string = "BestOfN";
  n: number;
  threshold: number;
  failCount: number;
  private readonly rewardFn: RewardFn;

  constructor(
    readonly module: Module,
    options: BestOfNOptions,
  ) {
    super();
    this.n = options.n;
    this.rewardFn = options.rewardFn;
    this.threshold = options.threshold;
    this.failCount = options.failCount ?? options.n;
  }

  /** The best attempt is the wrapped module's own result. */
  override resultFields(): readonly Field[] {
    return this.module.resultFields();
  }

  override async forward(inputs: Inputs, options?: CallOptions): Promise<Prediction> {
    const lm = attemptBaseLM(this.module, options);
    return this.bestAttempt("BestOfN", inputs, lm, (rid) => runAttempt(this.module, inputs, lm, rid));
  }

  /**
   * The attempt loop (shared with Refine): `attempt` runs with rollout ids from
   * the LM's own onwards; the first reward reaching the threshold wins, else
   * the highest. `onMiss` runs after a miss that is not the last attempt.
   */
  protected async bestAttempt(
    who: string,
    inputs: Inputs,
    lm: LM,
    attempt: (rolloutId: number) => Promise<Prediction>,
    onMiss?: (prediction: Prediction, reward: number) => Promise<void>,
  ): Promise<Prediction> {
    const start = typeof lm.kwargs.rollout_id === "number" ? lm.kwargs.rollout_id : 0;
    let best: Prediction | null = null;
    let bestReward = -Infinity;
    let kept: number | null = null;
    let lastError: unknown = null;
    // For the trace: each attempt's reward (null: it failed), the one kept.
    const rewards: (number | null)[] = [];

    for (let idx = 0; idx < this.n; idx++) {
      const rid = start + idx;
      rewards.push(null);
      try {
        // Attempt idx+1 of n, and Refine's feedback on it, are numbered in their start events.
        const pred = await asStep(idx + 1, this.n, () => attempt(rid));
        const reward = await this.rewardFn(inputs, pred);
        rewards[idx] = reward;
        if (reward > bestReward) [best, bestReward, kept] = [pred, reward, idx + 1];
        if (reward >= this.threshold) break;
        if (onMiss && idx < this.n - 1) await asStep(idx + 1, this.n, () => onMiss(pred, reward));
      } catch (error) {
        lastError = error;
        // DSPy spends the budget on the instance itself (self.fail_count -= 1), so it shrinks across calls.
        this.failCount = spendFailure(idx, this.failCount, error, who, rid);
      }
    }
    // DSPy returns None when every attempt failed within the budget; an error says more.
    if (!best) throw lastError ?? new Error(`${who}: no attempt succeeded`);
    noteAttempts(best, { rewards, kept, threshold: this.threshold });
    return best;
  }
}
