// `npm run bench [runtime|server]`: bundles bench/main.ts for Node (the runtime
// uses bundler-style imports) and runs it with --expose-gc for heap figures.
import { spawnSync } from "node:child_process";
import { build } from "esbuild";

const outfile = ".bench/main.mjs";
await build({
  entryPoints: ["bench/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  packages: "external",
  // QuickJS is loaded lazily, as workerd requires; Node benches never reach it.
  external: ["*.wasm"],
  outfile,
  logLevel: "warning",
});
const run = spawnSync(process.execPath, ["--expose-gc", outfile, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(run.status ?? 1);
