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

/** What a present but non-Bearer Authorization header counts as: never equal to a token. */
const WRONG_SCHEME = Symbol("wrong scheme");

const EVENTS_ROUTE = /^\/api\/runs\/[^/]+\/events$/;

function presented(c: Context): string | typeof WRONG_SCHEME | undefined {
  const header = c.req.header("authorization");
  // Only the Bearer scheme (any case) counts; a bare token or another scheme is refused, not guessed at.
  if (header) return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header.trim())?.[1] ?? WRONG_SCHEME;
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
    if (token === WRONG_SCHEME) {
      throw new ApiError(401, "unauthorized", "The Authorization header must use the Bearer scheme: `Authorization: Bearer <token>`.");
    }
    if (!safeEqual(token, expected)) throw new ApiError(401, "unauthorized", "The API token is not valid.");
    return next();
  };
}
