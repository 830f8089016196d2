// CORS from the CORS_ORIGINS var (see origins.ts): none by default, a
// comma-separated list, or `*`. Same-origin requests need no CORS headers.
import type { MiddlewareHandler } from "hono";
import { cors as honoCors } from "hono/cors";
import type { ServerEnv } from "../env";
import { allowedOrigins } from "./origins";

export function cors(): MiddlewareHandler<{ Bindings: ServerEnv }> {
  return (c, next) => {
    const allowed = allowedOrigins(c.env);
    return honoCors({
      origin: allowed === "*" ? "*" : (origin) => (allowed.includes(origin.toLowerCase()) ? origin : null),
      allowMethods: ["GET", "POST", "OPTIONS"],
      allowHeaders: ["Content-Type", "Authorization", "Last-Event-ID"],
      exposeHeaders: ["X-Run-Id", "Retry-After"],
      maxAge: 600,
    })(c, next);
  };
}
