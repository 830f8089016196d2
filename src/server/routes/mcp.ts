// POST /mcp: MCP Streamable HTTP, stateless. The SDK's handler serves both the
// 2026-07-28 revision and 2025-era clients (initialize, then one request per
// POST, GET/DELETE answered 405); a fresh server is built for every request.
import { createMcpHandler, hostHeaderValidationResponse, localhostAllowedHostnames, localhostAllowedOrigins, originValidationResponse } from "@modelcontextprotocol/server";
import { Hono } from "hono";
import type { ServerEnv } from "../env";
import { createMcpServer } from "../mcp-server";
import type { AppEnv } from "../request";

/** Hostnames of the `CORS_ORIGINS` list (`*` names none: a browser page must be listed to call tools). */
function listedOriginHosts(env: ServerEnv): string[] {
  const configured = (env.CORS_ORIGINS ?? "*").trim();
  if (!configured || configured === "*") return [];
  return configured.split(",").flatMap((o) => {
    try {
      return [new URL(o.trim()).hostname];
    } catch {
      return [];
    }
  });
}

/**
 * DNS-rebinding and cross-site protection, as the SDK advises. The app's
 * origin check (middleware/origins.ts) runs first, so a browser request must
 * come from this server's own page or an origin listed in CORS_ORIGINS, as for
 * any route that starts a run; with MCP_ALLOWED_HOSTS set, the Host must also
 * be one of those names (or loopback).
 */
function rejectedByOriginOrHost(request: Request, env: ServerEnv): Response | undefined {
  const hosts = (env.MCP_ALLOWED_HOSTS ?? "").split(",").map((h) => h.trim()).filter(Boolean);
  return (
    (hosts.length ? hostHeaderValidationResponse(request, [...localhostAllowedHostnames(), ...hosts]) : undefined) ??
    originValidationResponse(request, [...localhostAllowedOrigins(), ...listedOriginHosts(env)])
  );
}

export const mcpRoutes = new Hono<AppEnv>().all("/", async (c) => {
  const request = c.req.raw;
  const rejected = rejectedByOriginOrHost(request, c.env);
  if (rejected) return rejected;
  const scope = {
    env: c.env,
    origin: new URL(request.url).origin,
    waitUntil: (p: Promise<unknown>) => c.executionCtx.waitUntil(p),
  };
  const handler = createMcpHandler(() => createMcpServer(scope), {
    legacy: "stateless",
    onerror: (e) => console.warn(`mcp: ${e.message}`),
  });
  const res = await handler.fetch(request);
  // Re-wrapped: the SDK may hand back immutable headers, and CORS adds its own.
  return new Response(res.body, res);
});
