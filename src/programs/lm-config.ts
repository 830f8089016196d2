// Which LM a program runs with: the program's own override, else the one
// configured by `LM_MODEL`/`LM_BASE_URL` and the `OPENAI_API_KEY` secret, else
// (no key) the offline demo LM, which goes through the real `openai` SDK
// against an in-process fake endpoint.
import { LM, type LMOptions } from "../dspy/lm";
import { fakeOpenAIFetch } from "../dspy/utils/fake-openai";
import { withDemoFailures } from "./demo/failures";
import { demoResponder } from "./demo/responder";

/** The configuration a program's LM is built from (a subset of the Worker's env). */
export interface LMEnv {
  LM_MODEL?: string;
  LM_BASE_URL?: string;
  OPENAI_API_KEY?: string;
  DEMO_LM_DELAY_MS?: string;
  /** Seconds to wait for an LM's first token (default 25). */
  LM_FIRST_TOKEN_TIMEOUT_S?: string;
  /** Seconds of silence allowed between two streamed chunks (default 20). */
  LM_IDLE_TIMEOUT_S?: string;
  /** Seconds within which every retry of one LM call must be able to finish (default 60). */
  LM_RETRY_BUDGET_S?: string;
}

/** A `[vars]` number of seconds as ms; unset, empty or invalid (warned) means the LM's default. */
function secondsVar(env: LMEnv, name: "LM_FIRST_TOKEN_TIMEOUT_S" | "LM_IDLE_TIMEOUT_S" | "LM_RETRY_BUDGET_S"): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  console.warn(`${name}="${raw}" is not a positive number of seconds; using the default`);
  return undefined;
}

/** The LM timeouts configured in `[vars]` (LMOptions; undefined = the LM's default). */
export function lmTimeouts(env: LMEnv) {
  return {
    firstTokenTimeoutMs: secondsVar(env, "LM_FIRST_TOKEN_TIMEOUT_S"),
    idleTimeoutMs: secondsVar(env, "LM_IDLE_TIMEOUT_S"),
    retryBudgetMs: secondsVar(env, "LM_RETRY_BUDGET_S"),
  };
}

export const DEFAULT_DEMO_DELAY_MS = 12;

export function isDemo(env: LMEnv): boolean {
  return !env.OPENAI_API_KEY;
}

/** The model name the demo LM reports: says `demo`, and which model it stands in for. */
export function demoModel(env: LMEnv): string {
  return `demo/${env.LM_MODEL || "offline"}`;
}

/** The demo LM; a predictor's LM from a saved program runs on it as `demo/<model>`, so it never looks real. */
class DemoLM extends LM {
  override sibling(model: string, options: LMOptions = {}): LM {
    return super.sibling(model.startsWith("demo/") ? model : `demo/${model}`, options);
  }
}

export function demoLM(env: LMEnv, delayMs = Number(env.DEMO_LM_DELAY_MS ?? DEFAULT_DEMO_DELAY_MS)): LM {
  return new DemoLM(demoModel(env), {
    // Not a secret, but the LM redacts its key from error messages: a key that is a
    // substring of the model name ("demo") would turn "demo/…" into "[redacted]/…".
    apiKey: "offline-demo-lm-no-key",
    baseURL: "https://demo.invalid/v1",
    fetch: fakeOpenAIFetch(withDemoFailures(demoResponder), { chunkDelayMs: Number.isFinite(delayMs) ? delayMs : DEFAULT_DEMO_DELAY_MS }),
    // Only `demo:flaky` and `demo:fail` prompts ever fail: retried twice, quickly, so the retries show.
    numRetries: 2,
    retryDelayMs: 150,
  });
}

export function configuredLM(env: LMEnv): LM {
  if (isDemo(env)) return demoLM(env);
  return new LM(env.LM_MODEL || "gpt-4o-mini", {
    baseURL: env.LM_BASE_URL || "https://api.openai.com/v1",
    apiKey: env.OPENAI_API_KEY,
    ...lmTimeouts(env),
  });
}
