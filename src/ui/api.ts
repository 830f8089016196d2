// HTTP client for the server's routes (DESIGN §5). Every failure becomes an ApiError
// carrying the server's `{error: {code, message, details}}` so the page can show it.
import { apiToken } from "./prefs";
import type { ErrorBody, Metrics, MetricsBody, ProgramInfo, ProgramList, RunInfo, RunList, RunRow } from "./types";

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

export async function programRuns(program: string, limit = 20): Promise<RunRow[]> {
  const body = await json<RunList>(
    `/api/programs/${encodeURIComponent(program)}/runs?limit=${limit}`,
    undefined,
    `loading runs of ${program}`,
  );
  return body.runs;
}

export async function programMetrics(program: string): Promise<Metrics> {
  const body = await json<MetricsBody>(
    `/api/programs/${encodeURIComponent(program)}/metrics`,
    undefined,
    `loading metrics of ${program}`,
  );
  return body.metrics;
}

export function eventsUrl(runId: string, after: number): string {
  return `/api/runs/${encodeURIComponent(runId)}/events${after > 0 ? `?after=${after}` : ""}`;
}
