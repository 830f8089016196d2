// Every error the API answers is JSON `{error: {code, message, details}}` with
// a status that says whose fault it was; nothing escapes as a bare 500.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503;

export class ApiError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
    /** Extra response headers (a 429's Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function errorBody(code: string, message: string, details: unknown = null) {
  return { error: { code, message, details } };
}

export function jsonError(status: ErrorStatus, code: string, message: string, details: unknown = null): Response {
  return Response.json(errorBody(code, message, details), { status });
}

/** Hono's onError: known errors keep their status, anything else is a 500 with a JSON body. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.details), err.status, err.headers);
  if (err instanceof HTTPException) {
    const status = err.status as ErrorStatus;
    return c.json(errorBody(codeForStatus(status), err.message || "Request failed"), status);
  }
  console.error("unhandled error", err);
  return c.json(errorBody("internal_error", "The server failed to handle this request.", { type: err.name }), 500);
}

function codeForStatus(status: number): string {
  return ({ 400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 413: "payload_too_large", 415: "unsupported_media_type", 429: "rate_limited" } as Record<number, string>)[status] ?? "error";
}
