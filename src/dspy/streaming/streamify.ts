// DSPy's `streamify` (dspy/streaming/streamify.py) over our per-field deltas:
// wraps a program so that a call returns an async iterator of field chunks
// (StreamResponse), status messages (StatusMessage) and, last, the Prediction.
// The field a token belongs to comes from the adapter's FieldStream (the same
// `field` lm_delta events carry), so every chunk is exactly text of the field's
// value, whatever the token boundaries.
import { namedPredictors } from "../best-of-n";
import type { Callback } from "../callbacks";
import { activeCallId, context, currentContext, type Settings } from "../context";
import type { CallOptions, Inputs, Module } from "../module";
import { Predict } from "../predict";
import type { Prediction } from "../prediction";
import { StatusMessage, StatusMessageProvider, StreamResponse } from "./messages";

/** Streams one output field of one predictor (DSPy's StreamListener). */
export class StreamListener {
  /** Filled by streamify when not given: the only predictor with this output field. */
  predict?: Predict;
  predictName?: string;
  readonly allowReuse: boolean;
  /** The field finished streaming once (a listener without allowReuse then stays quiet). */
  ended = false;
  started = false;

  constructor(
    readonly signatureFieldName: string,
    options: { predict?: Predict; predictName?: string; allowReuse?: boolean } = {},
  ) {
    this.predict = options.predict;
    this.predictName = options.predictName;
    this.allowReuse = options.allowReuse ?? false;
  }
}

export interface StreamifyOptions {
  statusMessageProvider?: StatusMessageProvider;
  /** Which (predictor, field) pairs stream. None: every output field of every predictor. */
  streamListeners?: StreamListener[];
  /** Yield the Prediction at the end (default true; with listeners that streamed nothing it is yielded anyway). */
  includeFinalPredictionInOutputStream?: boolean;
}

export type StreamItem = StreamResponse | StatusMessage | Prediction;

/** DSPy's find_predictor_for_stream_listeners: a listener without a predictor gets the unique one with its field. */
function bindListeners(program: Module, listeners: StreamListener[]): void {
  const predictors = namedPredictors(program);
  for (const listener of listeners) {
    if (listener.predict) {
      listener.predictName ??= predictors.find(([, p]) => p === listener.predict)?.[0] ?? "self";
      continue;
    }
    const field = listener.signatureFieldName;
    const owners = predictors.filter(([, p]) => p.signature.outputFields.some((f) => f.name === field));
    if (owners.length > 1) {
      throw new Error(
        `Signature field ${field} is not unique in the program, cannot automatically determine which predictor to use ` +
          "for streaming. Please specify the predictor to listen to.",
      );
    }
    if (owners.length === 0) {
      throw new Error(
        `Signature field ${field} is not a field of any predictor in the program, cannot automatically determine which ` +
          "predictor to use for streaming. Please verify your field name or specify the predictor to listen to.",
      );
    }
    [listener.predictName, listener.predict] = owners[0];
  }
}

/** A queue an async generator drains while the program pushes into it. */
class Channel<T> {
  private items: T[] = [];
  private waiting: (() => void) | null = null;
  private closed = false;

  push(item: T): void {
    this.items.push(item);
    this.waiting?.();
  }

  close(): void {
    this.closed = true;
    this.waiting?.();
  }

  async *drain(): AsyncGenerator<T> {
    for (;;) {
      while (this.items.length) yield this.items.shift()!;
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = null;
    }
  }
}

/**
 * Wraps `program` so that each call streams: `for await (const item of streamed(inputs))`
 * yields StreamResponse chunks, StatusMessages and finally the Prediction. Breaking out of the
 * loop aborts the run.
 */
export function streamify(program: Module, options: StreamifyOptions = {}) {
  const listeners = options.streamListeners ?? [];
  if (listeners.length) bindListeners(program, listeners);
  const provider = options.statusMessageProvider ?? new StatusMessageProvider();
  const includeFinal = options.includeFinalPredictionInOutputStream ?? true;

  /**
   * Settings (LM, adapter, callbacks, signal) are those in force where `streamed(...)` is called, not
   * where the iterator is consumed: an async generator's body runs in its consumer's context.
   */
  return function streamed(inputs: Inputs = {}, callOptions?: CallOptions): AsyncGenerator<StreamItem> {
    return run({ ...currentContext() }, inputs, callOptions);
  };

  async function* run(settings: Settings, inputs: Inputs, callOptions?: CallOptions): AsyncGenerator<StreamItem> {
    const channel = new Channel<StreamItem>();
    const names = new Map(namedPredictors(program).map(([name, p]) => [p as Module, name]));
    const moduleOf = new Map<string, Module>();
    /** LM call → the predictor it serves, and the chunk held until the next piece shows whether it was the last. */
    const lmCalls = new Map<string, { predictor?: Predict; pending?: { field: string; text: string } }>();
    let streamedAny = false;
    const status = (text: string | undefined) => text && channel.push(new StatusMessage(text));

    const listenerFor = (predictor: Predict, field: string): StreamListener | undefined | null => {
      if (!listeners.length) return undefined; // no listeners: every field streams
      const listener = listeners.find((l) => l.predict === predictor && l.signatureFieldName === field);
      if (!listener) return null;
      if (listener.ended && !listener.allowReuse) return null;
      return listener;
    };
    const emit = (predictor: Predict, field: string, text: string, last: boolean) => {
      const listener = listenerFor(predictor, field);
      if (listener === null) return;
      if (listener) {
        listener.started = true;
        if (last) listener.ended = true;
      }
      streamedAny = true;
      channel.push(new StreamResponse(listener?.predictName ?? names.get(predictor) ?? predictor.path, field, text, last));
    };

    const hooks: Callback = {
      onModuleStart(callId, instance, args) {
        moduleOf.set(callId, instance as Module);
        status(provider.moduleStartStatusMessage(instance, args));
      },
      onModuleEnd(_callId, outputs) {
        status(provider.moduleEndStatusMessage(outputs));
      },
      onLmStart(callId, instance, args) {
        const parent = activeCallId();
        const owner = parent ? moduleOf.get(parent) : undefined;
        lmCalls.set(callId, { predictor: owner instanceof Predict ? owner : undefined });
        status(provider.lmStartStatusMessage(instance, args));
      },
      onLmDelta(callId, delta, field) {
        const call = lmCalls.get(callId);
        if (!call?.predictor || field === undefined) return;
        const { pending } = call;
        if (pending && pending.field === field) {
          emit(call.predictor, pending.field, pending.text, false);
        } else if (pending) {
          emit(call.predictor, pending.field, pending.text, true);
        }
        call.pending = field === null ? undefined : { field, text: delta };
      },
      onLmEnd(callId, outputs) {
        const call = lmCalls.get(callId);
        if (call?.predictor && call.pending) emit(call.predictor, call.pending.field, call.pending.text, true);
        lmCalls.delete(callId);
        status(provider.lmEndStatusMessage(outputs));
      },
      onToolStart(_callId, instance, args) {
        if ((instance as { name?: string }).name === "finish") return;
        status(provider.toolStartStatusMessage(instance as { name?: string }, args));
      },
      onToolEnd(_callId, outputs) {
        if (outputs === "Completed.") return;
        status(provider.toolEndStatusMessage(outputs));
      },
    };

    const controller = new AbortController();
    const outer = settings.signal;
    const onOuterAbort = () => controller.abort(outer!.reason);
    if (outer?.aborted) onOuterAbort();
    outer?.addEventListener("abort", onOuterAbort, { once: true });
    let finished = false;
    let failure: { error: unknown } | null = null;
    let result: Prediction | undefined;
    const running = context(
      { ...settings, callbacks: [...settings.callbacks, hooks], signal: controller.signal },
      () => program.call(inputs, callOptions),
    ).then(
      (prediction) => {
        result = prediction;
      },
      (error) => {
        failure = { error };
      },
    ).finally(() => {
      finished = true;
      channel.close();
    });

    try {
      yield* channel.drain();
      await running;
      if (failure) throw (failure as { error: unknown }).error;
      const anyListenerStarted = listeners.some((l) => l.started);
      if (includeFinal || !listeners.length || !anyListenerStarted || !streamedAny) yield result!;
    } finally {
      outer?.removeEventListener("abort", onOuterAbort);
      if (!finished) {
        controller.abort(new Error("streamify: the consumer stopped reading"));
        await running;
      }
    }
  }
}
