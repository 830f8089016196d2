// HTTP client for the server's routes (DESIGN §5). Every failure becomes an ApiError
// carrying the server's `{error: {code, message, details}}` so the page can show it.
import { apiToken } from "./prefs";
import { createParser } from "eventsource-parser";
import { RunEvent } from "../dspy/events";
import type { ErrorBody, Feedback, Metrics, MetricsBody, Prices, ProgramInfo, ProgramList, RunInfo, RunList, TimeWindow } from "./types";

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
  }
}

export function authHeaders(): Record<string, string> {
  const token = apiToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function failure(res: Response, what: string): Promise<ApiError> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as ErrorBody;
    if (body?.error?.message) {
      return new ApiError(res.status, body.error.code ?? String(res.status), body.error.message, body.error.details);
    }
  } catch {
    // Not the JSON error shape: fall through with the raw text.
  }
  return new ApiError(res.status, `http_${res.status}`, `${what}: HTTP ${res.status} ${text.slice(0, 200)}`.trim());
}

export async function request(path: string, init: RequestInit = {}, what = path): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { ...authHeaders(), ...(init.headers ?? {}) } });
  } catch (e) {
    throw new ApiError(0, "network", `${what}: network error (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!res.ok) throw await failure(res, what);
  return res;
}

async function json<T>(path: string, init?: RequestInit, what?: string): Promise<T> {
  const res = await request(path, init, what);
  return (await res.json()) as T;
}

function post(body: unknown, extra: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json", ...extra }, body: JSON.stringify(body) };
}

export async function listPrograms(): Promise<ProgramInfo[]> {
  return (await json<ProgramList>("/api/programs", undefined, "listing programs")).programs;
}

/** Run synchronously: `POST /{program}` answers `{run_id, ...outputs}`. */
export async function runSync(program: string, inputs: Record<string, unknown>, signal?: AbortSignal) {
  return json<Record<string, unknown> & { run_id?: string }>(
    `/${encodeURIComponent(program)}`,
    { ...post(inputs), signal },
    `running ${program}`,
  );
}

/** Run attached: `POST /{program}/stream` answers SSE at once, with the run id in `X-Run-Id`. */
export async function runStream(program: string, inputs: Record<string, unknown>, signal?: AbortSignal) {
  const res = await request(
    `/${encodeURIComponent(program)}/stream`,
    { ...post(inputs, { accept: "text/event-stream" }), signal },
    `starting ${program}`,
  );
  const runId = res.headers.get("x-run-id");
  if (!runId) throw new ApiError(res.status, "no_run_id", `starting ${program}: the response has no X-Run-Id header`);
  return { runId, response: res };
}

/** Run durable: the run's Durable Object drives it, whoever is watching. */
export async function runDurable(program: string, inputs: Record<string, unknown>) {
  return json<{ run_id: string; events_url: string }>("/api/runs", post({ program, inputs }), `starting ${program}`);
}

export async function cancelRun(runId: string): Promise<void> {
  await request(`/api/runs/${encodeURIComponent(runId)}/cancel`, { method: "POST" }, "cancelling the run");
}

export async function getRun(runId: string): Promise<RunInfo> {
  return json<RunInfo>(`/api/runs/${encodeURIComponent(runId)}`, undefined, `loading run ${runId}`);
}

export interface RunFilter {
  limit?: number;
  q?: string;
  status?: string;
  before?: string | null;
  window?: TimeWindow;
}

/** One page of a program's runs, newest first, with the cursor of the next page. */
export async function programRuns(program: string, filter: RunFilter = {}): Promise<RunList> {
  const params = new URLSearchParams({ limit: String(filter.limit ?? 20) });
  if (filter.q?.trim()) params.set("q", filter.q.trim());
  if (filter.status) params.set("status", filter.status);
  if (filter.before) params.set("before", filter.before);
  if (filter.window && filter.window !== "all") params.set("window", filter.window);
  return json<RunList>(`/api/programs/${encodeURIComponent(program)}/runs?${params}`, undefined, `loading runs of ${program}`);
}

export async function programMetrics(program: string, window: TimeWindow = "all"): Promise<Metrics> {
  const body = await json<MetricsBody>(
    `/api/programs/${encodeURIComponent(program)}/metrics?window=${window}`,
    undefined,
    `loading metrics of ${program}`,
  );
  return body.metrics;
}

export async function sendFeedback(runId: string, rating: "up" | "down" | null, note: string): Promise<Feedback> {
  const body = await json<{ feedback: Feedback }>(
    `/api/runs/${encodeURIComponent(runId)}/feedback`,
    post({ rating, note }),
    "saving feedback",
  );
  return body.feedback;
}

let prices: Promise<Prices> | null = null;
/** The server's price table, fetched once per page. */
export function getPrices(): Promise<Prices> {
  prices ??= json<Prices>("/api/prices", undefined, "loading prices").catch((e) => {
    prices = null;
    throw e;
  });
  return prices;
}

/** A finished run's whole log (the events route replays it and closes). */
export async function runEvents(runId: string): Promise<RunEvent[]> {
  const res = await request(eventsUrl(runId, 0), { headers: { accept: "text/event-stream" } }, `loading the events of run ${runId}`);
  const events: RunEvent[] = [];
  if (res.status === 204) return events;
  const parser = createParser({ onEvent: (m) => events.push(RunEvent.parse(JSON.parse(m.data))) });
  parser.feed(await res.text());
  return events;
}

export interface PlaygroundBody {
  program: string;
  messages: { role: "system" | "user" | "assistant"; content: string }[];
  params: Record<string, unknown>;
  from?: { run_id: string; call_id: string };
}

/** `POST /api/playground`: an SSE response like an attached run's, with the run id in `X-Run-Id`. */
export async function runPlayground(body: PlaygroundBody, signal?: AbortSignal) {
  const res = await request("/api/playground", { ...post(body, { accept: "text/event-stream" }), signal }, "starting the playground call");
  const runId = res.headers.get("x-run-id");
  if (!runId) throw new ApiError(res.status, "no_run_id", "the playground response has no X-Run-Id header");
  return { runId, response: res };
}

export function eventsUrl(runId: string, after: number): string {
  return `/api/runs/${encodeURIComponent(runId)}/events${after > 0 ? `?after=${after}` : ""}`;
}
