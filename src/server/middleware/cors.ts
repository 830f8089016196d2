// CORS from the CORS_ORIGINS var: `*` (default) or a comma-separated list.
import type { MiddlewareHandler } from "hono";
import { cors as honoCors } from "hono/cors";
import type { ServerEnv } from "../env";

export function cors(): MiddlewareHandler<{ Bindings: ServerEnv }> {
  return (c, next) => {
    const configured = (c.env.CORS_ORIGINS ?? "*").trim() || "*";
    const allowed = configured === "*" ? "*" : configured.split(",").map((o) => o.trim());
    return honoCors({
      origin: allowed,
      allowMethods: ["GET", "POST", "OPTIONS"],
      allowHeaders: ["Content-Type", "Authorization", "Last-Event-ID"],
      exposeHeaders: ["X-Run-Id"],
      maxAge: 600,
    })(c, next);
  };
}
