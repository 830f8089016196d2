// Which browser origins may use the API. CORS_ORIGINS lists them (comma-separated);
// the page's own origin is always allowed; `*` allows every origin (only sensible
// with API_TOKEN set). Unset or empty means same origin only: the safe default,
// because without a token any site could otherwise spend the owner's LM key.
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../api-error";
import type { ServerEnv } from "../env";

export type AllowedOrigins = "*" | string[];

export function allowedOrigins(env: Pick<ServerEnv, "CORS_ORIGINS">): AllowedOrigins {
  const configured = (env.CORS_ORIGINS ?? "").trim();
  if (configured === "*") return "*";
  return configured
    .split(",")
    .map((o) => o.trim().replace(/\/+$/, "").toLowerCase())
    .filter(Boolean);
}

/** Whether a request carrying `Origin: origin` to `requestUrl` may act: same origin, listed, or `*`. */
export function originAllowed(origin: string, requestUrl: string, allowed: AllowedOrigins): boolean {
  const normalized = origin.trim().toLowerCase();
  if (allowed === "*") return normalized !== "null";
  return normalized === new URL(requestUrl).origin.toLowerCase() || allowed.includes(normalized);
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses every state-changing request (POST: starting or cancelling a run)
 * whose Origin is not allowed, token or not. Requests without an Origin
 * (curl, servers) pass: browsers always send one on a POST, so a page on
 * another site cannot leave it out.
 */
export function originCheck(): MiddlewareHandler<{ Bindings: ServerEnv }> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const origin = c.req.header("origin");
    if (origin === undefined) return next();
    if (!originAllowed(origin, c.req.url, allowedOrigins(c.env))) {
      throw new ApiError(
        403,
        "origin_not_allowed",
        `Requests from origin "${origin.slice(0, 200)}" are not allowed. Use the page served by this server, or add the origin to CORS_ORIGINS.`,
        { origin: origin.slice(0, 200) },
      );
    }
    return next();
  };
}
