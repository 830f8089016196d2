// Sending a run's trace to an OTLP/HTTP collector: configuration from the
// standard OTEL_* variables, one POST of the JSON payload, and what a failure
// means for the retry (the OTLP spec's retryable statuses, Retry-After).
import type { ServerEnv } from "./env";
import { runToOtlp, type OtlpTraces } from "./otlp";
import type { RunEvent } from "../dspy/events";

export interface OtlpConfig {
  /** The traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  url: string;
  headers: Record<string, string>;
  captureContent: boolean;
  serviceName?: string;
}

/** Attempts before a trace is given up (the waits double from 2 s: about four minutes in all). */
export const OTLP_MAX_ATTEMPTS = 8;
export const OTLP_FIRST_BACKOFF_MS = 2_000;
const OTLP_MAX_BACKOFF_MS = 60_000;
const OTLP_TIMEOUT_MS = 10_000;

const truthy = (v: string | undefined) => /^(1|true|yes|on)$/i.test((v ?? "").trim());

/** `k=v,k2=v2` (W3C baggage style, values percent-decoded), as OTEL_EXPORTER_OTLP_HEADERS is written. */
export function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? "").split(",")) {
    const i = pair.indexOf("=");
    if (i <= 0) continue;
    const key = pair.slice(0, i).trim();
    const raw = pair.slice(i + 1).trim();
    if (!key) continue;
    try {
      out[key] = decodeURIComponent(raw);
    } catch {
      out[key] = raw;
    }
  }
  return out;
}

export function otlpConfig(env: ServerEnv): OtlpConfig | null {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!traces && !base) return null;
  const url = traces || `${base!.replace(/\/+$/, "")}/v1/traces`;
  return {
    url,
    headers: parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
    captureContent: truthy(env.OTEL_CAPTURE_CONTENT),
    serviceName: env.OTEL_SERVICE_NAME?.trim() || undefined,
  };
}

/** The payload for a run, with the content setting of `env` (GET /api/runs/{id}/otlp and the exporter agree). */
export function otlpPayload(events: readonly RunEvent[], env: ServerEnv): OtlpTraces {
  return runToOtlp(events, { captureContent: truthy(env.OTEL_CAPTURE_CONTENT), serviceName: env.OTEL_SERVICE_NAME?.trim() || undefined });
}

export type SendResult = { ok: true } | { ok: false; retry: boolean; retryAfterMs?: number; error: string };

/** One POST. 2xx is done; 429/502/503/504 and network errors may be retried (OTLP/HTTP spec); other statuses may not. */
export async function sendOtlp(config: OtlpConfig, body: string): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetch(config.url, {
      method: "POST",
      headers: { ...config.headers, "Content-Type": "application/json" },
      body,
      signal: AbortSignal.timeout(OTLP_TIMEOUT_MS),
    });
  } catch (e) {
    return { ok: false, retry: true, error: `could not reach ${config.url}: ${(e as Error).message}` };
  }
  const text = await res.text().catch(() => "");
  if (res.ok) return { ok: true };
  const retry = [429, 502, 503, 504].includes(res.status);
  const after = Number(res.headers.get("retry-after"));
  return {
    ok: false,
    retry,
    retryAfterMs: Number.isFinite(after) && after > 0 ? after * 1000 : undefined,
    error: `${config.url} answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ""}`,
  };
}

/** The wait before attempt `attempt + 1` (attempt counts from 1), honouring the collector's Retry-After. */
export function backoffMs(attempt: number, retryAfterMs?: number): number {
  const exp = Math.min(OTLP_MAX_BACKOFF_MS, OTLP_FIRST_BACKOFF_MS * 2 ** (attempt - 1));
  return Math.max(exp, Math.min(retryAfterMs ?? 0, OTLP_MAX_BACKOFF_MS * 5));
}
