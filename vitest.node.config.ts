// Node-side tests against `wrangler dev`: the `dspy-edge` command line (call and new) and the test tooling.
// One server for all files (test/node/global-setup.ts), with the demo LM and an API token.
// Run: npx vitest run -c vitest.node.config.ts
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/node/**/*.test.ts"],
    environment: "node",
    pool: "forks",
    globalSetup: ["test/node/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 240_000,
  },
});
