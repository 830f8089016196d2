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
  /** The run log's batch window in ms (default 50): at most 1000 / window appends per second per run; 0 appends each event at once. */
  LOG_BATCH_MS?: string;
  /** Comma-separated hostnames `POST /mcp` accepts in `Host` (besides loopback); unset: any. */
  MCP_ALLOWED_HOSTS?: string;
  /** OTLP/HTTP collector base URL (…/v1/traces is appended): each finished run is exported as a trace. */
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  /** The full traces URL, used as is (wins over OTEL_EXPORTER_OTLP_ENDPOINT). */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  /** Secret. `k=v,k2=v2` headers for the collector (e.g. `Authorization=Basic …`). */
  OTEL_EXPORTER_OTLP_HEADERS?: string;
  /** `true` puts prompts, completions, inputs, outputs and tool args/results into spans. */
  OTEL_CAPTURE_CONTENT?: string;
  /** `service.name` of the exported traces; default `dspy-edge`. */
  OTEL_SERVICE_NAME?: string;
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

/** Default batch window of the run log: ≤ 20 appends per second per run, and a resuming viewer trails live by ≤ 50 ms. */
export const DEFAULT_LOG_BATCH_MS = 50;

export function logBatchMs(env: ServerEnv): number {
  const ms = Number(env.LOG_BATCH_MS ?? DEFAULT_LOG_BATCH_MS);
  return Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_LOG_BATCH_MS;
}
