// GET /api/prices: the price table cost estimates come from, so a client can
// price one LM call the same way the server prices a run.
import { Hono } from "hono";
import { PRICES } from "../prices";
import type { AppEnv } from "../request";

export const priceRoutes = new Hono<AppEnv>().get("/", (c) => c.json({ ...PRICES, estimate: true }));
