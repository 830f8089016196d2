// The page runs under a CSP without 'unsafe-eval': zod must not probe `new Function`
// (the probe alone is reported as a violation). Imported first by main.ts.
import { z } from "zod";

z.config({ jitless: true });
