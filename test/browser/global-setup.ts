// Builds the UI, starts `wrangler dev` with the offline demo LM (scripts/dev-server.ts),
// hands its URL to the tests (inject("baseURL")), and stops it afterwards.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { startDevServer } from "../../scripts/dev-server";
import { findChromium, NoChromiumError } from "./chromium";

declare module "vitest" {
  export interface ProvidedContext {
    baseURL: string;
  }
}

const root = resolve(import.meta.dirname, "../..");

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Before anything starts: a machine without Chromium gets one message saying what to install, not a launch stack.
  try {
    findChromium();
  } catch (e) {
    if (e instanceof NoChromiumError) e.stack = e.message;
    throw e;
  }
  const build = spawnSync("node", ["scripts/build-ui.mjs"], { cwd: root, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`npm run build:ui failed:\n${build.stdout}${build.stderr}`);
  // Slower tokens than the default so a run lasts long enough to watch, drop and cancel.
  const server = await startDevServer({ DEMO_LM_DELAY_MS: "25" });
  project.provide("baseURL", server.url);
  return server.stop;
}
