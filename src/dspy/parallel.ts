// Runs (module, example) pairs concurrently, like dspy.Parallel over DSPy's
// ParallelExecutor (dspy/predict/parallel.py, dspy/utils/parallelizer.py).
// Workers have no threads: a "thread" is an async task, and `numThreads`
// bounds how many items are in flight at once. Each item runs in the async
// context Parallel was called from, so its module call's parent is the call
// that was active then (DSPy binds ACTIVE_CALL_ID into each worker), never a
// sibling item. Parallel itself emits no events: in DSPy it is not a Module.
import { context, currentContext } from "./context";
import type { CallOptions, Inputs } from "./module";
import type { Prediction } from "./prediction";
import { classNameOf } from "./utils/class-name";

/** DSPy's settings defaults: `num_threads` 8, `max_errors` 10. */
export const DEFAULT_NUM_THREADS = 8;
export const DEFAULT_MAX_ERRORS = 10;

/** DSPy's message when max_errors is reached (a plain Exception there). */
export const CANCELLED_MESSAGE = "Execution cancelled due to errors or interruption.";

/** An example whose `inputs()` gives the fields to call with (dspy.Example's shape). */
export interface ExampleLike {
  inputs(): Inputs;
}

/** Anything with DSPy's call shape: a Module, or a Parallel (called with a list of pairs). */
export interface Callable {
  call(...args: any[]): Promise<unknown>;
}

/** One work item: what to call and with what (an Example-like, a record, or positional arguments). */
export type ExecPair = readonly [Callable, ExampleLike | Inputs | readonly unknown[]];

export interface ParallelOptions {
  /** Items in flight at once (DSPy: threads). Default 8. */
  numThreads?: number;
  /** Failures that cancel the rest and throw. Default 10. */
  maxErrors?: number;
  /** Call with `example.inputs()` (true, default) or the example itself. */
  accessExamples?: boolean;
  /** Resolve to `[results, failedExamples, errors]` instead of results. */
  returnFailedExamples?: boolean;
  /** Add the stack to each logged failure. */
  provideTraceback?: boolean;
  /** Seconds after which a straggler item is started a second time (0 disables). Default 120. */
  timeout?: number;
  /** Stragglers are only checked once this many items or fewer remain. Default 3. */
  stragglerLimit?: number;
  /** Where failures are logged (DSPy: logger.error). Default console.error. */
  logError?: (line: string) => void;
}

export type ParallelResults<T = Prediction> = (T | null)[];
export type ParallelReturn<T = Prediction> = ParallelResults<T> | [ParallelResults<T>, unknown[], unknown[]];
/** What `call` resolves to: results, or `[results, failedExamples, errors]` with returnFailedExamples. */
export type ParallelOutcome<R extends boolean, T> = R extends true ? [ParallelResults<T>, unknown[], unknown[]] : ParallelResults<T>;

function isExampleLike(value: unknown): value is ExampleLike {
  return typeof (value as { inputs?: unknown } | null)?.inputs === "function";
}

function isRecord(value: unknown): value is Inputs {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A signal that aborts when any of `signals` does (AbortSignal.any, spelled out for older runtimes);
 * `dispose` removes its listeners, so a long run's signal does not collect one per item.
 */
function anySignal(signals: (AbortSignal | undefined)[]): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const undo: (() => void)[] = [];
  for (const signal of signals) {
    if (!signal) continue;
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    undo.push(() => signal.removeEventListener("abort", onAbort));
  }
  return { signal: controller.signal, dispose: () => undo.forEach((u) => u()) };
}

/** How a failure names its item: the module and the example, as DSPy's log line shows the pair. */
function describeItem(pair: ExecPair): string {
  const [module, example] = pair;
  const path = (module as { path?: unknown }).path;
  let shown: string;
  try {
    shown = JSON.stringify(isExampleLike(example) ? example.inputs() : example);
  } catch {
    shown = String(example);
  }
  return `(${typeof path === "string" ? path : classNameOf(module)}, ${shown})`;
}

const UNSET = Symbol("unset");

export class Parallel<R extends boolean = false, T = Prediction> implements Callable {
  static readonly className = "Parallel";
  numThreads: number;
  maxErrors: number;
  accessExamples: boolean;
  returnFailedExamples: boolean;
  provideTraceback: boolean;
  timeout: number;
  stragglerLimit: number;
  /** Kept across calls, as DSPy's instance lists are (each call appends). */
  readonly failedExamples: unknown[] = [];
  readonly exceptions: unknown[] = [];
  readonly #logError: (line: string) => void;

  constructor(options: ParallelOptions & { returnFailedExamples?: R } = {}) {
    this.numThreads = options.numThreads || DEFAULT_NUM_THREADS;
    this.maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
    this.accessExamples = options.accessExamples ?? true;
    this.returnFailedExamples = options.returnFailedExamples ?? false;
    this.provideTraceback = options.provideTraceback ?? false;
    this.timeout = options.timeout ?? 120;
    this.stragglerLimit = options.stragglerLimit ?? 3;
    this.#logError = options.logError ?? ((line) => console.error(line));
  }

  /**
   * Runs every pair; `results[i]` is pair i's result (null when it failed).
   * Reaching `maxErrors` cancels what has not started, aborts what is in
   * flight, and throws. With `returnFailedExamples`: `[results, failedExamples, errors]`.
   */
  async call(pairs: readonly ExecPair[], numThreads?: number): Promise<ParallelOutcome<R, T>> {
    const results = await this.execute(pairs, numThreads ?? this.numThreads);
    if (!this.returnFailedExamples) return results.values as ParallelOutcome<R, T>;
    for (const index of results.failedIndices) {
      this.failedExamples.push(pairs[index][1]);
      const error = results.errors.get(index);
      if (error !== undefined) this.exceptions.push(error);
    }
    return [results.values, this.failedExamples, this.exceptions] as ParallelOutcome<R, T>;
  }

  /** DSPy's process_pair: how an example becomes the call's arguments. */
  private process(pair: ExecPair): Promise<unknown> {
    const [module, example] = pair;
    if (isExampleLike(example)) return module.call(this.accessExamples ? example.inputs() : example);
    if (Array.isArray(example)) {
      // DSPy: a list goes whole to a nested Parallel; a tuple is spread as positional arguments.
      return module instanceof Parallel ? module.call(example) : module.call(...(example as [Inputs, CallOptions?]));
    }
    if (isRecord(example)) return module.call(example);
    const type = example === null ? "null" : typeof example;
    return Promise.reject(
      new Error(`Invalid example type: ${type}, only supported types are Example, dict, list and tuple`),
    );
  }

  private async execute(pairs: readonly ExecPair[], numThreads: number) {
    const values: (T | null | typeof UNSET)[] = pairs.map(() => UNSET);
    const failedIndices: number[] = [];
    const errors = new Map<number, unknown>();
    const outer = currentContext().signal;
    const cancelAll = new AbortController();
    let errorCount = 0;
    let next = 0;
    const started = new Map<number, { at: number; controller: AbortController }[]>();
    const resubmitted = new Set<number>();
    const inFlight = new Set<Promise<void>>();
    let wake: () => void = () => {};

    const stopped = () => cancelAll.signal.aborted || outer?.aborted === true;
    const allDone = () => values.every((v) => v !== UNSET);

    // One attempt at item `index` (a straggler may get a second, concurrent one).
    const attempt = async (index: number): Promise<void> => {
      const controller = new AbortController();
      const attempts = started.get(index) ?? [];
      attempts.push({ at: Date.now(), controller });
      started.set(index, attempts);
      const { signal, dispose } = anySignal([outer, cancelAll.signal, controller.signal]);
      let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: await context({ signal }, () => this.process(pairs[index])) };
      } catch (error) {
        outcome = { ok: false, error };
      } finally {
        dispose();
      }
      // An item cut short by our own cancel (or the run's) is neither a result nor a counted failure.
      if (signal.aborted) return;
      if (!outcome.ok) {
        errorCount += 1;
        if (errorCount >= this.maxErrors) cancelAll.abort(new Error(CANCELLED_MESSAGE));
        const error = outcome.error;
        const message = error instanceof Error ? error.message : String(error);
        const trace = this.provideTraceback && error instanceof Error && error.stack ? `\n${error.stack}` : "";
        this.#logError(
          trace
            ? `Error for ${describeItem(pairs[index])}: ${message}${trace}`
            : `Error for ${describeItem(pairs[index])}: ${message}. Set \`provideTraceback: true\` for traceback.`,
        );
      }
      if (stopped() || values[index] !== UNSET) return;
      if (outcome.ok) values[index] = outcome.value as T;
      else {
        failedIndices.push(index);
        errors.set(index, outcome.error);
      }
    };

    const launch = (index: number) => {
      const task = attempt(index).finally(() => {
        inFlight.delete(task);
        wake();
      });
      inFlight.add(task);
    };

    const remaining = () => pairs.length - next + inFlight.size;

    const checkStragglers = () => {
      if (this.timeout <= 0 || remaining() > this.stragglerLimit) return;
      const now = Date.now();
      for (const [index, attempts] of started) {
        if (resubmitted.has(index) || values[index] !== UNSET || attempts.length !== 1) continue;
        if (now - attempts[0].at >= this.timeout * 1000) {
          resubmitted.add(index);
          launch(index);
        }
      }
    };
    const ticker = this.timeout > 0 ? setInterval(checkStragglers, Math.min(1000, this.timeout * 1000)) : undefined;

    try {
      while (!stopped()) {
        // Fill free slots with items not started yet ("threads" pick the next item).
        while (next < pairs.length && inFlight.size < numThreads && !stopped()) launch(next++);
        if (inFlight.size === 0 || allDone()) break;
        await new Promise<void>((resolve) => (wake = resolve));
        checkStragglers();
      }
    } finally {
      clearInterval(ticker);
      // Nothing keeps running behind the caller's back: abort what is left and let it settle, so every
      // item's events end before Parallel returns or throws.
      if (inFlight.size > 0) {
        for (const attempts of started.values()) for (const a of attempts) a.controller.abort(new Error(CANCELLED_MESSAGE));
        await Promise.allSettled([...inFlight]);
      }
    }
    if (outer?.aborted) throw outer.reason;
    if (cancelAll.signal.aborted) throw new Error(CANCELLED_MESSAGE);
    return { values: values.map((v) => (v === UNSET ? null : v)), failedIndices, errors };
  }
}
