import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/browser/**", "test/faults/**", "test/node/**"],
    // A fresh isolate's first request loads zod and openai (several seconds on a busy machine).
    testTimeout: 30_000,
  },
});
