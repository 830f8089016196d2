import { Hono } from "hono";
import { DurableObject } from "cloudflare:workers";

export class RunObject extends DurableObject {}
export class ProgramIndex extends DurableObject {}

const app = new Hono();
app.get("/health", (c) => c.json({ ok: true }));
export default app;
