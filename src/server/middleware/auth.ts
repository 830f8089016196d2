// Optional bearer-token auth. When API_TOKEN is set every route but /health,
// the run page and static assets needs it. EventSource cannot send headers, so
// its one route (GET /api/runs/{id}/events) also takes `?token=` or the
// `dspy_edge_token` cookie; elsewhere they are refused, so a cookie the browser
// attaches to a cross-site POST can never start a run (CSRF).
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { ApiError } from "../api-error";
import type { ServerEnv } from "../env";

export const TOKEN_COOKIE = "dspy_edge_token";

const EVENTS_ROUTE = /^\/api\/runs\/[^/]+\/events$/;

function presented(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (header) {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    return m ? m[1] : header;
  }
  if (c.req.method !== "GET" || !EVENTS_ROUTE.test(c.req.path)) return undefined;
  return c.req.query("token") ?? getCookie(c, TOKEN_COOKIE);
}

/** Compares in time independent of where the strings differ. */
function safeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

export function auth(): MiddlewareHandler<{ Bindings: ServerEnv }> {
  return async (c, next) => {
    const expected = c.env.API_TOKEN;
    if (!expected || c.req.method === "OPTIONS") return next();
    const token = presented(c);
    if (token === undefined) {
      throw new ApiError(401, "unauthorized", "This server requires an API token: send `Authorization: Bearer <token>` (the events stream, for EventSource, also takes `?token=` or the dspy_edge_token cookie).");
    }
    if (!safeEqual(token, expected)) throw new ApiError(401, "unauthorized", "The API token is not valid.");
    return next();
  };
}
