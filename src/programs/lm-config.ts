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
  });
}
