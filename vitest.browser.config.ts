// Browser tests: Node environment (not the workers pool), one `wrangler dev` for all
// files (started by global-setup.ts with the offline demo LM), driven by playwright-core
// with the system Chromium. Run: npx vitest run -c vitest.browser.config.ts
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    pool: "forks",
    globalSetup: ["test/browser/global-setup.ts"],
    // One server and one browser per file; files run one after another so runs don't compete.
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
