// An attached run's answer: an SSE Response that goes out at once, fed with each
// event's frame as the run produces it, while the run goes on in waitUntil.
// Writes are never awaited, and a client that left does not stop the run (it
// keeps appending to its log).
import type { Program } from "../programs/define";
import type { RunInit } from "./run-types";
import { SSE_HEADERS, SseWriter, retryFrame } from "./sse";
import { runInWorker } from "./worker-run";
import type { ServerEnv } from "./env";

export function attachedStream(env: ServerEnv, init: RunInit, program: Program, waitUntil: (p: Promise<unknown>) => void): Response {
  const sse = new SseWriter();
  sse.send(retryFrame());
  const run = runInWorker({ env, init, program, onFrame: (frame) => sse.send(frame) })
    .catch((e) => console.error(`${init.mode} run ${init.run_id} failed outside the program`, e))
    .finally(() => sse.close());
  waitUntil(run);
  return new Response(sse.readable, { headers: { ...SSE_HEADERS, "X-Run-Id": init.run_id } });
}
