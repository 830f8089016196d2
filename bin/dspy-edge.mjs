#!/usr/bin/env node
// The `dspy-edge` command (`npx dspy-edge …`, `npm run call -- …`). The client is TypeScript in src/cli,
// sharing the event schema and the signature parser with the server, so this launcher bundles it with
// esbuild (already a devDependency) into node_modules/.cache/dspy-edge when a source file changed, then
// runs it. Plain ESM so any Node ≥ 20 starts it, the system's included.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, "node_modules", ".cache", "dspy-edge", "cli.mjs");
const inputsFile = `${out}.inputs.json`;

/** True when the bundle is missing or older than any file it was built from. */
function stale() {
  try {
    const built = statSync(out).mtimeMs;
    const inputs = JSON.parse(readFileSync(inputsFile, "utf8"));
    return inputs.some((file) => statSync(join(root, file)).mtimeMs > built);
  } catch {
    return true;
  }
}

async function bundle() {
  let build;
  try {
    ({ build } = await import("esbuild"));
  } catch {
    process.stderr.write("dspy-edge: esbuild is missing; run `npm install` in the project first.\n");
    process.exit(3);
  }
  mkdirSync(dirname(out), { recursive: true });
  // Built beside the target and renamed over it, so two commands started at once never read half a file.
  const tmp = `${out}.${process.pid}.tmp.mjs`;
  const result = await build({
    absWorkingDir: root,
    entryPoints: ["src/cli/main.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: tmp,
    metafile: true,
    logLevel: "error",
    // CommonJS dependencies inside an ES module bundle still call require().
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  writeFileSync(inputsFile, JSON.stringify(Object.keys(result.metafile.inputs)));
  renameSync(tmp, out);
}

const [major] = process.versions.node.split(".").map(Number);
if (major < 20) {
  process.stderr.write(`dspy-edge: needs Node 20 or later (this is ${process.version}).\n`);
  process.exit(3);
}
// `dspy-edge call … --json | head`: a reader that stops early ends the command quietly.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});
if (stale()) await bundle();
const { main } = await import(pathToFileURL(out).href);
process.exitCode = await main(process.argv.slice(2));
