// Runs the `dspy-edge` command as a user would (node bin/dspy-edge.mjs …) and collects what it printed.
import { spawn } from "node:child_process";
import { resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../..");
export const BIN = resolve(root, "bin/dspy-edge.mjs");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The command started, for tests that act while it runs (cancel, Ctrl-C). */
export function startCli(args: string[], env: Record<string, string | undefined> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: root, env: cleanEnv(env) as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  const result: CliResult = { code: null, stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (result.stdout += d));
  child.stderr.on("data", (d) => (result.stderr += d));
  const done = new Promise<CliResult>((ok) => child.once("close", (code) => ok({ ...result, code })));
  /** Resolves once stdout matches. */
  const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      const m = pattern.exec(result.stdout);
      if (m) return m;
      if (child.exitCode !== null) throw new Error(`exited before ${pattern}:\n${result.stdout}${result.stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { child, done, waitFor };
}

function cleanEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, NO_COLOR: "1", API_TOKEN: undefined, DSPY_EDGE_URL: undefined, ...extra })) {
    if (v !== undefined) env[k] = v;
  }
  return env;
}

export function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; node?: string; command?: string[] } = {},
): Promise<CliResult> {
  // A clean environment: no colours, no token or URL from the developer's shell unless a test sets them.
  const env = cleanEnv(options.env ?? {});
  const [cmd, ...cmdArgs]: string[] = options.command ?? [options.node ?? process.execPath, BIN];
  return new Promise((ok, fail) => {
    const child = spawn(cmd!, [...cmdArgs, ...args], { cwd: options.cwd ?? root, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", fail);
    child.once("close", (code) => ok({ code, stdout, stderr }));
  });
}
