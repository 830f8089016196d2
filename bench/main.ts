import { printTable } from "./measure";
import { liveBenches, profileLive } from "./live.bench";
import { profileWhile } from "./profile";
import { startLmServer } from "./lm-server";
import { runtimeBenches } from "./runtime.bench";
import { serverBenches } from "./server.bench";

const only = process.argv[2];
if (only === "lm-server") {
  // The live bench's fake LM, in its own process: prints its URL, serves until killed.
  const cfg = { delayMs: Number(process.argv[3] ?? 10), tokens: Number(process.argv[4] ?? 20) };
  const server = await startLmServer(cfg);
  console.log(server.url);
} else if (only === "profile") {
  console.log(await profileLive(process.argv[3] ?? "burst", Number(process.argv[4] ?? 10), profileWhile));
} else {
  console.log(`dspy-edge benchmarks — node ${process.version}, ${new Date().toISOString()}`);
  if (!only || only === "runtime") printTable("Runtime (Node, in process)", await runtimeBenches());
  if (!only || only === "server") printTable("Server (wrangler dev: workerd + Durable Objects, demo LM, no token delay)", await serverBenches());
  if (!only || only === "live") {
    const levels = process.env.BENCH_LEVELS?.split(",").map(Number) ?? [1, 10, 50, 200];
    printTable(
      "Live delivery under load (wrangler dev, fake LM over HTTP in its own process: 10 ms/token, 20 tokens per field; `reason` = ChainOfThought)",
      await liveBenches(levels),
    );
  }
}
