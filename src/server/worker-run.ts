// A run driven inside a Worker request (attached stream or sync call): the
// shared driver runs here, each event's frame goes to `onFrame` at once and,
// batched in time windows and in order, to the run's Durable Object. The object can stop us: a cancel
// arrives over a control stream (or in any append reply), and an append reply
// saying the log is closed (the object marked the run ended) aborts the run.
import type { RunEvent } from "../dspy/events";
import { Batcher } from "./batcher";
import { logBatchMs, type ServerEnv } from "./env";
import { SEQ_GRANT_AHEAD, framed, frameSize, toLogBatch, type FramedEvent } from "./log-batch";
import { driveRun, type RunOutcome } from "./run-driver";
import { MAX_BATCH_CHARS, type RunObject } from "./run-object";
import type { RunInit } from "./run-types";
import type { Program } from "../programs/define";
import { runStub } from "./request";
import { eventFrame } from "./sse";

/** While the driver lives it tells the object so at least this often. */
export const DRIVER_HEARTBEAT_MS = 10_000;

export interface WorkerRunOptions {
  env: ServerEnv;
  /** The run (validated inputs included); its object is created here. */
  init: RunInit;
  program: Program;
  /** Called with each event's SSE frame as soon as the client may see it (normally at once). */
  onFrame?: (frame: string, event: RunEvent) => void;
}

export async function runInWorker(o: WorkerRunOptions): Promise<RunOutcome> {
  const runId = o.init.run_id;
  // A stub whose object was reset throws from then on: a failed call gets a fresh one.
  let stub = runStub(o.env, runId);
  const freshStub = () => (stub = runStub(o.env, runId));
  // The object's creation is not awaited: the run starts (and its client's first
  // byte goes out) at once, and the first append waits for it, so the log misses nothing.
  const ready = stub.init(o.init);
  const abort = new AbortController();
  const stop = (why: string, name = "AbortError") => abort.abort(new DOMException(why, name));
  let lastContact = Date.now();
  // The client may see events ahead of the log, up to the seq the object granted
  // (it numbers a run_end it must write for us past that). Beyond it, frames wait.
  let granted = SEQ_GRANT_AHEAD;
  let held: FramedEvent[] = [];
  const show = (item: FramedEvent) => o.onFrame?.(item.frame, item.event);
  // run_end is shown only once stored, so the client's last word is always the log's.
  const showable = (item: FramedEvent, stored: number) =>
    item.event.type === "run_end" ? item.event.seq <= stored : item.event.seq <= granted;
  const release = (stored: number) => {
    let n = 0;
    while (n < held.length && showable(held[n], stored)) n++;
    const ready = held.slice(0, n);
    held = held.slice(n);
    ready.forEach(show);
  };
  // Set when the object closed the log without us (it marked the run ended):
  // our later events are not part of the run any more, on any channel.
  let disowned = false;
  let logMissing: unknown = null;
  ready.catch((e) => {
    console.error(`run ${runId}: its object could not be created`, e);
    logMissing = e;
    stop(`The run's log could not be created: ${(e as Error)?.message ?? e}`, "RunLogError");
  });
  const batcher = new Batcher<FramedEvent>(
    async (items) => {
      await ready.catch(() => {});
      // Nothing can be stored without a log; the run ends at once (see above).
      if (logMissing) return "stop";
      const reply = await stub.appendBatch(toLogBatch(items));
      lastContact = Date.now();
      if (reply.rejected) throw new Error(`run ${runId}: the log refused a batch: ${reply.rejected}`);
      granted = Math.max(granted, reply.granted_seq);
      if (!reply.closed_before) release(reply.last_seq);
      if (reply.cancel) stop("The run was cancelled");
      if (reply.closed_before || (reply.finished && items.at(-1)?.event.type !== "run_end")) {
        disowned = true;
        stop("The run was ended by its Durable Object");
        // Our client still gets the log's end: the object numbered it past every seq we were granted.
        if (reply.end_json) {
          const end = JSON.parse(reply.end_json) as RunEvent;
          o.onFrame?.(eventFrame(end), end);
        }
        return "stop";
      }
    },
    {
      windowMs: logBatchMs(o.env),
      maxBatchSize: MAX_BATCH_CHARS,
      sizeOf: frameSize,
      onError: (e, attempt) => {
        console.warn(`run ${runId}: append failed (attempt ${attempt + 1}): ${(e as Error).message}`);
        freshStub();
      },
    },
  );
  const heartbeat = setInterval(() => {
    if (Date.now() - lastContact < DRIVER_HEARTBEAT_MS || batcher.pending > 0) return;
    stub
      .appendBatch(toLogBatch([]))
      .then((reply) => {
        lastContact = Date.now();
        if (reply.cancel) stop("The run was cancelled");
      })
      .catch(() => {});
  }, DRIVER_HEARTBEAT_MS / 2);
  const control = listenForCancel(() => stub, freshStub, () => stop("The run was cancelled"));
  try {
    const outcome = await driveRun({
      runId,
      program: o.program,
      inputs: o.init.inputs,
      env: o.env,
      signal: abort.signal,
      emit: (event) => {
        if (disowned) return;
        const item = framed(event);
        if (held.length === 0 && showable(item, 0)) show(item);
        else held.push(item);
        batcher.push(item);
      },
    });
    // run_end is stored only after every earlier event: the batcher delivers in order.
    await batcher.drain();
    // Whatever is still held (the log never took it: the object is unreachable): the client gets it now.
    granted = Infinity;
    if (!disowned) release(Infinity);
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
