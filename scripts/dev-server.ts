// Starts `wrangler dev` on free ports with the offline demo LM, waits for
// /health, and stops the whole process group (npx → wrangler → workerd) after.
// Used by the browser tests and the server benchmarks.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export interface DevServer {
  url: string;
  /** V8 inspector (CDP) of workerd: `ws://127.0.0.1:<port>/ws`, for profiling. */
  inspectorPort: number;
  /** The process group leader's pid (npx); workerd runs inside its group. */
  pid: number;
  stop(): Promise<void>;
}

const root = resolve(import.meta.dirname, "..");

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer ${url}/health within 120 s:\n${log()}`);
}

export interface DevServerOptions {
  /**
   * A real OpenAI-compatible endpoint instead of the demo LM (the fault suite's
   * fault-injecting server on 127.0.0.1): LM_BASE_URL and a (fake) key.
   */
  lm?: { baseURL: string; apiKey: string; model?: string };
  /** Serve another copy of the project (the scaffold test serves a temporary one). */
  cwd?: string;
}

/**
 * `vars` override wrangler.toml [vars]. Without `options.lm` the key is empty,
 * so the offline demo LM answers whatever a developer's .dev.vars holds.
 */
export async function startDevServer(vars: Record<string, string> = {}, options: DevServerOptions = {}): Promise<DevServer> {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const state = mkdtempSync(join(tmpdir(), "dspy-edge-dev-"));
  // Blank secrets: a developer's shell key must not reach the server under test.
  // No network: no metrics, and the placeholder `request.cf` instead of a download (see scripts/dev.mjs).
  const env = {
    ...process.env,
    OPENAI_API_KEY: "",
    API_TOKEN: "",
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    CI: "true",
    NO_COLOR: "1",
  };
  // Empty key = the demo LM even when a developer's .dev.vars holds a real one.
  const lmVars = options.lm
    ? { OPENAI_API_KEY: options.lm.apiKey, LM_BASE_URL: options.lm.baseURL, ...(options.lm.model ? { LM_MODEL: options.lm.model } : {}) }
    : {};
  const allVars = { OPENAI_API_KEY: "", API_TOKEN: "", ...lmVars, ...vars };
  let output = "";
  const child = spawn(
    "npx",
    [
      "wrangler", "dev",
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-port", String(inspectorPort),
      "--persist-to", state,
      "--show-interactive-dev-session=false",
      "--log-level", "warn",
      ...Object.entries(allVars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ],
    { cwd: options.cwd ?? root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      for (const signal of ["SIGTERM", "SIGKILL"] as const) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          // already gone
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    rmSync(state, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, child, () => output.slice(-4000));
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, inspectorPort, pid: child.pid!, stop };
}
