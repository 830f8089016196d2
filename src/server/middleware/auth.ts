// Optional bearer-token auth. When API_TOKEN is set every API route needs it.
// EventSource cannot send headers, so the token is also accepted as `?token=`
// or as the `dspy_edge_token` cookie (the UI sets it for its event streams).
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { ApiError } from "../api-error";
import type { ServerEnv } from "../env";

export const TOKEN_COOKIE = "dspy_edge_token";

function presented(c: Parameters<MiddlewareHandler>[0]): string | undefined {
  const header = c.req.header("authorization");
  if (header) {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    return m ? m[1] : header;
  }
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
      throw new ApiError(401, "unauthorized", "This server requires an API token: send `Authorization: Bearer <token>` (or `?token=` / the dspy_edge_token cookie for EventSource).");
    }
    if (!safeEqual(token, expected)) throw new ApiError(401, "unauthorized", "The API token is not valid.");
    return next();
  };
}
