import { printTable } from "./measure";
import { runtimeBenches } from "./runtime.bench";
import { serverBenches } from "./server.bench";

const only = process.argv[2];
console.log(`dspy-edge benchmarks — node ${process.version}, ${new Date().toISOString()}`);
if (!only || only === "runtime") printTable("Runtime (Node, in process)", await runtimeBenches());
if (!only || only === "server") printTable("Server (wrangler dev: workerd + Durable Objects, demo LM, no token delay)", await serverBenches());
