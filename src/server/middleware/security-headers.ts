// Security headers on every response the Worker makes. The UI page gets a CSP
// that allows scripts and styles from this origin only (no inline script); API
// responses get one that allows nothing, since they are data, never a page.
// Static assets served without the Worker get the same headers from static/_headers.
import type { MiddlewareHandler } from "hono";

/** The UI's policy; keep static/_headers in step (a test compares them). */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export const COMMON_SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
};

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    // Responses from stubs and assets have immutable headers: copy before setting.
    let res = c.res;
    try {
      res.headers.set("X-Content-Type-Options", "nosniff");
    } catch {
      res = new Response(res.body, res);
    }
    const html = res.headers.get("content-type")?.startsWith("text/html") ?? false;
    for (const [k, v] of Object.entries(COMMON_SECURITY_HEADERS)) res.headers.set(k, v);
    if (!res.headers.has("Content-Security-Policy")) res.headers.set("Content-Security-Policy", html ? UI_CSP : API_CSP);
    c.res = res;
  };
}
