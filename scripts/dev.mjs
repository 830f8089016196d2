// `npm run dev`: `wrangler dev` without the network calls that fail offline and read as errors.
// - CLOUDFLARE_CF_FETCH_ENABLED=false: miniflare would download `request.cf` from workers.cloudflare.com
//   (twice, each failing with a getaddrinfo stack when offline); the app never reads `request.cf`,
//   so the built-in placeholder does.
// - WRANGLER_SEND_METRICS=false: no usage metrics to Cloudflare from a local dev server.
// Either can be overridden from the shell. Arguments pass through: `npm run dev -- --port 9000`.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const wrangler = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");
const env = { CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", ...process.env };
const child = spawn(process.execPath, [wrangler, "dev", ...process.argv.slice(2)], { stdio: "inherit", env });

// Ctrl-C reaches wrangler through the terminal's process group; a signal sent to this process alone is passed on.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  else process.exit(code ?? 1);
});
