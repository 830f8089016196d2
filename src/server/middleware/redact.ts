// The last gate for JSON answers: run summaries, listings, errors and sync
// answers pass through the same rule as events (redact.ts), so a secret typed
// into an input or echoed by a provider never leaves in any of them. Event
// streams are redacted where events are stamped, not here.
import type { MiddlewareHandler } from "hono";
import type { ServerEnv } from "../env";
import { secretsOf } from "../env";
import { activeSecrets, jsonEscaped, redactJsonText } from "../redact";

export function redactResponses(): MiddlewareHandler<{ Bindings: ServerEnv }> {
  return async (c, next) => {
    await next();
    const secrets = activeSecrets(secretsOf(c.env));
    if (secrets.length === 0 || !c.res.headers.get("content-type")?.includes("application/json")) return;
    const text = await c.res.clone().text();
    if (!secrets.some((s) => text.includes(jsonEscaped(s)))) return;
    const headers = new Headers(c.res.headers);
    headers.delete("content-length");
    const status = c.res.status;
    // Unset first: Hono's setter would copy the old headers (a stale Content-Length) onto the new body.
    c.res = undefined;
    c.res = new Response(redactJsonText(text, secrets), { status, headers });
  };
}
