// A run driven inside a Worker request (attached stream or sync call): the
// shared driver runs here, each event goes to `onEvent` at once and, batched
// and in order, to the run's Durable Object. The object can stop us: a cancel
// arrives over a control stream (or in any append reply), and an append reply
// saying the log is closed (the object marked the run ended) aborts the run.
import type { RunEvent } from "../dspy/events";
import { Batcher } from "./batcher";
import type { ServerEnv } from "./env";
import { driveRun, type RunOutcome } from "./run-driver";
import type { RunObject } from "./run-object";
import type { Program } from "../programs/define";
import { runStub } from "./request";

/** While the driver lives it tells the object so at least this often. */
export const DRIVER_HEARTBEAT_MS = 10_000;

export interface WorkerRunOptions {
  env: ServerEnv;
  stub: DurableObjectStub<RunObject>;
  runId: string;
  program: Program;
  inputs: Record<string, unknown>;
  /** Called synchronously with each event the moment it is produced. */
  onEvent?: (event: RunEvent) => void;
}

export async function runInWorker(o: WorkerRunOptions): Promise<RunOutcome> {
  // A stub whose object was reset throws from then on: a failed call gets a fresh one.
  let stub = o.stub;
  const freshStub = () => (stub = runStub(o.env, o.runId));
  const abort = new AbortController();
  const stop = (why: string) => abort.abort(new DOMException(why, "AbortError"));
  let lastContact = Date.now();
  // Set when the object closed the log without us (it marked the run ended):
  // our later events are not part of the run any more, on any channel.
  let disowned = false;
  const batcher = new Batcher<RunEvent>(
    async (events) => {
      const reply = await stub.append(events);
      lastContact = Date.now();
      if (reply.rejected) throw new Error(`run ${o.runId}: the log refused a batch: ${reply.rejected}`);
      if (reply.cancel) stop("The run was cancelled");
      if (reply.finished && events.at(-1)?.type !== "run_end") {
        disowned = true;
        stop("The run was ended by its Durable Object");
        return "stop";
      }
    },
    {
      onError: (e, attempt) => {
        console.warn(`run ${o.runId}: append failed (attempt ${attempt + 1}): ${(e as Error).message}`);
        freshStub();
      },
    },
  );
  const heartbeat = setInterval(() => {
    if (Date.now() - lastContact < DRIVER_HEARTBEAT_MS || batcher.pending > 0) return;
    stub
      .append([])
      .then((reply) => {
        lastContact = Date.now();
        if (reply.cancel) stop("The run was cancelled");
      })
      .catch(() => {});
  }, DRIVER_HEARTBEAT_MS / 2);
  const control = listenForCancel(() => stub, freshStub, () => stop("The run was cancelled"));
  try {
    const outcome = await driveRun({
      runId: o.runId,
      program: o.program,
      inputs: o.inputs,
      env: o.env,
      signal: abort.signal,
      emit: (event) => {
        if (disowned) return;
        o.onEvent?.(event);
        batcher.push(event);
      },
    });
    // run_end is stored only after every earlier event: the batcher delivers in order.
    await batcher.drain();
    return outcome;
  } finally {
    clearInterval(heartbeat);
    control.close();
  }
}

/**
 * Reads the object's control stream; a `cancel` line aborts the run. If the
 * object restarts the stream breaks: listen again on a fresh stub (append
 * replies carry cancels meanwhile).
 */
function listenForCancel(
  stub: () => DurableObjectStub<RunObject>,
  freshStub: () => DurableObjectStub<RunObject>,
  onCancel: () => void,
): { close(): void } {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let closed = false;
  const listen = async (): Promise<void> => {
    const stream = (await stub().control()) as ReadableStream<Uint8Array>;
    if (closed) return void stream.cancel().catch(() => {});
    reader = stream.getReader();
    const decoder = new TextDecoder();
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      // Closed without a cancel: the run ended, or the object went away.
      if (done) throw new Error("control stream closed");
      text += decoder.decode(value, { stream: true });
      if (text.includes("cancel\n")) return onCancel();
    }
  };
  const attempt = (retriesLeft: number): void => {
    listen().catch(() => {
      if (closed || retriesLeft === 0) return;
      freshStub();
      setTimeout(() => attempt(retriesLeft - 1), 200);
    });
  };
  attempt(3);
  return {
    close() {
      closed = true;
      reader?.cancel().catch(() => {});
    },
  };
}
