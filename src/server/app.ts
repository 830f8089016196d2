// The Hono app: middleware order matters — security headers and CORS first (so
// errors carry them), then the Origin check (a disallowed site never starts or
// cancels a run, token or not), health before auth, auth before anything that
// touches a program or run.
import { Hono } from "hono";
import { handleError, jsonError } from "./api-error";
import { auth } from "./middleware/auth";
import { bodyLimit } from "./middleware/body-limit";
import { cors } from "./middleware/cors";
import { originCheck } from "./middleware/origins";
import { redactResponses } from "./middleware/redact";
import { securityHeaders } from "./middleware/security-headers";
import { openApiDocument } from "./openapi";
import type { AppEnv } from "./request";
import { feedbackRoutes } from "./routes/feedback";
import { invokeRoutes } from "./routes/invoke";
import { programStateRoutes } from "./routes/program-state";
import { mcpRoutes } from "./routes/mcp";
import { playgroundRoutes } from "./routes/playground";
import { priceRoutes } from "./routes/prices";
import { programRoutes } from "./routes/programs";
import { runExportRoutes, runImportRoutes } from "./routes/run-files";
import { runRoutes } from "./routes/runs";

export function createApp() {
  const app = new Hono<AppEnv>();
  app.onError(handleError);
  app.notFound((c) => jsonError(404, "not_found", `No route ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.use("*", securityHeaders());
  app.use("*", cors());
  app.use("*", originCheck());
  app.use("*", redactResponses());
  app.get("/health", (c) => c.json({ ok: true }));
  // The run permalink is the UI page; the page asks for the token itself.
  app.get("/runs/:id", async (c) => {
    const page = await c.env.ASSETS.fetch(new URL("/index.html", c.req.url));
    return new Response(page.body, page);
  });
  app.use("*", auth());
  // Before the 1 MB body limit: a run file has its own (larger) limit.
  app.route("/api/runs/import", runImportRoutes);
  app.use("*", bodyLimit());
  app.get("/openapi.json", (c) => c.json(openApiDocument(c.env, new URL(c.req.url).origin)));
  app.route("/api/programs", programRoutes);
  app.route("/api/programs", programStateRoutes);
  app.route("/api/runs", runRoutes);
  app.route("/api/runs", runExportRoutes);
  app.route("/mcp", mcpRoutes);
  app.route("/api/runs", feedbackRoutes);
  app.route("/api/prices", priceRoutes);
  app.route("/api/playground", playgroundRoutes);
  app.route("/", invokeRoutes);
  return app;
}
