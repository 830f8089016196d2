// Starts `wrangler dev` with the demo LM and an API token (so every test also exercises auth), and hands
// its URL and token to the tests.
import type { TestProject } from "vitest/node";
import { startDevServer } from "../../scripts/dev-server";

declare module "vitest" {
  export interface ProvidedContext {
    serverURL: string;
    apiToken: string;
  }
}

export const API_TOKEN = "cli-test-token";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startDevServer({ API_TOKEN, DEMO_LM_DELAY_MS: "3" });
  project.provide("serverURL", server.url);
  project.provide("apiToken", API_TOKEN);
  return server.stop;
}
