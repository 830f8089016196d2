// The fault suite (test/faults): Node environment, one `wrangler dev` pointed at a
// fault-injecting LM server, real HTTP. Run: npx vitest run -c vitest.faults.config.ts
// (`npm run chaos` runs it with CHAOS=1: 1,000 resume trials and a report file).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    environment: "node",
    pool: "forks",
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
