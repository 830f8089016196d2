// The server's HTTP API as the command line uses it: bearer auth from API_TOKEN, and every failure
// (network, auth, the server's JSON errors) turned into a CliError that says what to do.
import type { ProgramInfo } from "../server/program-info";
import type { RunSummary } from "../server/run-types";
import { CliError, EXIT } from "./errors";

export interface ServerErrorBody {
  code: string;
  message: string;
  details: unknown;
}

/** A JSON error from the server, with its status. */
export class ServerError extends CliError {
  constructor(
    readonly status: number,
    readonly body: ServerErrorBody,
    message: string,
  ) {
    super(message, status === 400 || status === 404 || status === 413 ? EXIT.usage : EXIT.server);
  }
}

/** The request never got an answer (refused, reset, DNS): worth retrying when following a run. */
export class NetworkError extends CliError {
  constructor(message: string) {
    super(message, EXIT.server);
  }
}

export class Server {
  readonly base: string;

  constructor(
    url: string,
    private readonly token: string | undefined,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new CliError(`--url ${url} is not a URL (expected e.g. http://localhost:8787)`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new CliError(`--url ${url} must be http:// or https://`);
    this.base = parsed.href.replace(/\/+$/, "");
  }

  /** The run's page in the UI. */
  permalink(runId: string): string {
    return `${this.base}/runs/${runId}`;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  async request(path: string, init: RequestInit & { what: string }): Promise<Response> {
    const url = `${this.base}${path}`;
    let res: Response;
    try {
      res = await fetch(url, { ...init, headers: this.headers(init.headers as Record<string, string>) });
    } catch (e) {
      if (init.signal?.aborted) throw e;
      throw new NetworkError(`${init.what}: ${networkProblem(e, this.base)}`);
    }
    if (!res.ok && res.status !== 204) throw await this.failure(res, init.what);
    return res;
  }

  async json<T>(path: string, init: RequestInit & { what: string }): Promise<T> {
    const res = await this.request(path, init);
    try {
      return (await res.json()) as T;
    } catch {
      throw new CliError(`${init.what}: the server at ${this.base} did not answer JSON (is --url a dspy-edge server?)`, EXIT.server);
    }
  }

  async programs(): Promise<ProgramInfo[]> {
    const body = await this.json<{ programs?: ProgramInfo[] }>("/api/programs", { what: "listing programs" });
    if (!Array.isArray(body.programs)) throw new CliError(`${this.base}/api/programs has no program list (is --url a dspy-edge server?)`, EXIT.server);
    return body.programs;
  }

  summary(runId: string): Promise<RunSummary> {
    return this.json<RunSummary>(`/api/runs/${encodeURIComponent(runId)}`, { what: `reading run ${runId}` });
  }

  private async failure(res: Response, what: string): Promise<ServerError> {
    const text = await res.text().catch(() => "");
    let body: ServerErrorBody;
    try {
      const parsed = JSON.parse(text) as { error?: ServerErrorBody };
      if (!parsed.error || typeof parsed.error.message !== "string") throw new Error("not an error body");
      body = parsed.error;
    } catch {
      body = { code: `http_${res.status}`, message: text.trim().slice(0, 300) || res.statusText, details: null };
    }
    let message = `${what}: ${body.message} (HTTP ${res.status})`;
    if (res.status === 401) {
      message += this.token
        ? "\nThe token in API_TOKEN was refused; check it matches the server's API_TOKEN secret."
        : "\nThis server needs a token: set API_TOKEN in the environment (it is sent as Authorization: Bearer).";
    }
    const issues = fieldIssues(body.details);
    if (issues.length) message += "\n" + issues.map((i) => `  ${i.field ?? "input"}: ${i.message}`).join("\n");
    return new ServerError(res.status, body, message);
  }
}

/** The server's 400 field issues (`details.issues`: [{field, message}]). */
export function fieldIssues(details: unknown): { field: string | null; message: string }[] {
  const issues = (details as { issues?: unknown } | null)?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.map((i: { field?: unknown; message?: unknown }) => ({
    field: typeof i?.field === "string" && i.field ? i.field : null,
    message: typeof i?.message === "string" ? i.message : JSON.stringify(i),
  }));
}

/** A failed fetch in words: undici hides the reason in `cause`. */
export function networkProblem(error: unknown, base: string): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code;
  if (code === "ECONNREFUSED") return `nothing is listening at ${base} (connection refused). Start the server with \`npm run dev\`, or pass --url.`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `cannot resolve the host of ${base} (${code}).`;
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return `the connection to ${base} was reset.`;
  const detail = cause?.message ?? (error instanceof Error ? error.message : String(error));
  return `cannot reach ${base}: ${detail}${code ? ` (${code})` : ""}`;
}
