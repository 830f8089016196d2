// The Worker's bindings: wrangler.toml [vars] and bindings (generated `Env`),
// plus secrets and optional vars that only exist when configured.
/** Vars typed by `wrangler types` as their literal defaults; any string may be configured. */
type Configurable = "LM_MODEL" | "LM_BASE_URL" | "DEMO_LM_DELAY_MS" | "RUN_RETENTION_DAYS" | "CORS_ORIGINS" | "OPENAI_API_KEY" | "API_TOKEN";

export interface ServerEnv extends Omit<Env, Configurable> {
  LM_MODEL: string;
  LM_BASE_URL: string;
  /** Secret. Without it the offline demo LM answers. */
  OPENAI_API_KEY?: string;
  /** Secret. When set, every API route requires it (see middleware/auth.ts). */
  API_TOKEN?: string;
  /** Other origins allowed to call the API, comma-separated; empty = same origin only (the default); `*` = any. */
  CORS_ORIGINS?: string;
  /** Pause before each streamed token of the demo LM, in ms. */
  DEMO_LM_DELAY_MS?: string;
  /** Days a finished run's log is kept. */
  RUN_RETENTION_DAYS?: string;
  /** LM timeouts in seconds (see programs/lm-config.ts); unset = the defaults 25 / 20 / 60. */
  LM_FIRST_TOKEN_TIMEOUT_S?: string;
  LM_IDLE_TIMEOUT_S?: string;
  LM_RETRY_BUDGET_S?: string;
}

/** Values that must never appear in an event, an error or a log line. */
export function secretsOf(env: ServerEnv): string[] {
  return [env.OPENAI_API_KEY, env.API_TOKEN].filter((s): s is string => !!s);
}

export function retentionMs(env: ServerEnv): number {
  const days = Number(env.RUN_RETENTION_DAYS ?? 7);
  return (Number.isFinite(days) && days > 0 ? days : 7) * 86_400_000;
}
