// The one run driver behind every execution shape (attached stream, sync call,
// durable run): stamps events (run_id, seq from 1, ts), emits run_start, runs
// the program with an EventRecorder in a per-run context, and emits run_end
// with status, outputs or error, usage per model and duration.
import { context } from "../dspy/context";
import { errorInfo } from "../dspy/errors";
import type { EventOf, EventDraft } from "../dspy/events";
import type { RunEvent } from "../dspy/events";
import { EventRecorder } from "../dspy/recorder";
import { toJsonRecord } from "../dspy/utils/json-value";
import type { Program } from "../programs/define";
import { secretsOf, type ServerEnv } from "./env";
import { uploadedState } from "./program-state";
import { activeSecrets, redactValue } from "./redact";
import { EventStamper } from "./stamper";

export interface DriveOptions {
  runId: string;
  program: Program;
  /** Already validated against the program's signature. */
  inputs: Record<string, unknown>;
  env: ServerEnv;
  /** Aborting cancels the run: LM requests abort, modules stop between steps. */
  signal: AbortSignal;
  /** Receives every stamped event synchronously, in seq order. */
  emit: (event: RunEvent) => void;
}

export interface RunOutcome {
  /** As logged: values may be truncated to fit one event. */
  end: EventOf<"run_end">;
  /** A succeeded run's outputs in full (redacted, never truncated): what a sync answer carries. */
  outputs?: Record<string, unknown>;
  /** The thrown value when the run failed or was cancelled. */
  error?: unknown;
}

export async function driveRun(o: DriveOptions): Promise<RunOutcome> {
  const started = Date.now();
  const secrets = activeSecrets(secretsOf(o.env));
  const stamper = new EventStamper(o.runId, secrets);
  const emit = (draft: EventDraft) => {
    for (const event of stamper.stampAll(draft)) o.emit(event);
  };
  emit({ type: "run_start", program: o.program.name, module: o.program.kind, inputs: o.inputs });
  const recorder = new EventRecorder(emit);
  const finish = (end: Omit<EventOf<"run_end">, "type" | "run_id" | "seq" | "ts" | "usage" | "duration_ms">) => {
    const events = stamper.stampAll({
      type: "run_end",
      ...end,
      usage: recorder.usage,
      duration_ms: Date.now() - started,
    });
    for (const event of events) o.emit(event);
    return events.at(-1) as EventOf<"run_end">;
  };
  try {
    o.signal.throwIfAborted();
    const lm = o.program.lm(o.env);
    // A state uploaded for the program (PUT /api/programs/{name}/state) replaces the bundled one.
    const uploaded = await uploadedState(o.env, o.program.name);
    const module = o.program.create(uploaded?.state);
    const adapter = o.program.adapter;
    const prediction = await context({ lm, adapter, callbacks: [recorder], signal: o.signal }, () => module.call(o.inputs));
    const outputs = toJsonRecord(prediction);
    return { end: finish({ status: "succeeded", outputs, error: null }), outputs: redactValue(outputs, secrets) };
  } catch (error) {
    // An abort is a cancel, unless its reason names another cause (e.g. the run's log could not be created).
    const reason = o.signal.reason as { name?: string } | undefined;
    const cancelled = o.signal.aborted && (reason?.name ?? "AbortError") === "AbortError";
    const info = cancelled
      ? { type: "RunCancelled", message: reasonText(o.signal.reason) }
      : o.signal.aborted
        ? { type: reason!.name!, message: reasonText(o.signal.reason) }
        : errorInfo(error);
    return { end: finish({ status: cancelled ? "cancelled" : "failed", outputs: null, error: info }), error };
  }
}

function reasonText(reason: unknown): string {
  return reason instanceof Error && reason.message ? reason.message : "The run was cancelled";
}
