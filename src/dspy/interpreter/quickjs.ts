// JavaScript sandbox: QuickJS compiled to WASM. The code runs in its own
// runtime with no host objects but `console` and `SUBMIT` (no fetch, no
// timers, no modules), under a memory limit, a stack limit and a time limit.
// This file takes the loaded WASM module as a parameter, so it runs in plain
// Node too; quickjs-workers.ts loads it the way workerd requires.
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from "quickjs-emscripten-core";
import { TRUNCATED_MARKER } from "../events";
import { CodeExecutionError, CodeInterpreterError, type CodeInterpreter, type ExecutionResult } from "./code-interpreter";

export interface QuickJSLimits {
  /** Wall time for one execution, ms (default 5000). */
  timeLimitMs?: number;
  /** Heap of one execution, bytes (default 32 MiB). */
  memoryLimitBytes?: number;
  /** Native stack of one execution, bytes (default 512 KiB). */
  maxStackBytes?: number;
  /** Captured console output kept per execution, characters (default 20000). */
  maxOutputChars?: number;
  /**
   * Interrupt checks allowed per execution regardless of the clock (QuickJS
   * polls roughly every 10k bytecode ops). workerd advances Date.now() only
   * at I/O, so inside one synchronous execution the clock can stand still;
   * this budget is what stops a busy loop there. Default: 4 per ms of
   * timeLimitMs (a tight loop makes ~2 checks per ms in Node).
   */
  maxInterruptChecks?: number;
}

const DEFAULTS = { timeLimitMs: 5000, memoryLimitBytes: 32 << 20, maxStackBytes: 512 << 10, maxOutputChars: 20_000 };

// Evaluated inside the sandbox before the program: wraps the two host hooks
// into `console` and `SUBMIT`, then removes the raw hooks from the global scope.
const PRELUDE = `(() => {
  const print = globalThis.__host_print, submit = globalThis.__host_submit;
  delete globalThis.__host_print; delete globalThis.__host_submit;
  const show = (v) => {
    if (typeof v === "string") return v;
    if (v === undefined || typeof v === "function" || typeof v === "symbol" || typeof v === "bigint") return String(v);
    if (v instanceof Error) return v.name + ": " + v.message;
    try { const s = JSON.stringify(v); return s === undefined ? String(v) : s; } catch { return String(v); }
  };
  const log = (...args) => { print(args.map(show).join(" ")); };
  globalThis.console = { log, info: log, warn: log, error: log, debug: log };
  class SubmitSignal extends Error {}
  globalThis.SUBMIT = function SUBMIT(value) {
    const json = JSON.stringify(value === undefined ? null : value);
    submit(json === undefined ? "null" : json);
    throw new SubmitSignal("SUBMIT");
  };
})();`;

type Loader = () => Promise<QuickJSWASMModule>;

/**
 * Hard cap on the QuickJS WASM heap, shared by every sandbox of an isolate
 * (Workers allow 128 MB per isolate). Loaders give the module a fixed-maximum
 * memory; an allocation past it fails inside QuickJS as "out of memory", and
 * the module stays usable.
 */
export const HEAP_MAX_BYTES = 64 << 20;
/** The module declares 256 pages (16 MiB) as its minimum. */
const HEAP_INITIAL_PAGES = 256;

export function boundedWasmMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: HEAP_INITIAL_PAGES, maximum: HEAP_MAX_BYTES / 65536 });
}

export class QuickJSInterpreter implements CodeInterpreter {
  private readonly limits: Required<QuickJSLimits>;
  private closed = false;

  constructor(
    private readonly load: Loader,
    limits: QuickJSLimits = {},
  ) {
    const merged = { ...DEFAULTS, ...limits };
    this.limits = { maxInterruptChecks: merged.timeLimitMs * 4, ...merged };
  }

  async execute(code: string): Promise<ExecutionResult> {
    if (this.closed) throw new CodeInterpreterError("QuickJSInterpreter was shut down");
    let quickjs: QuickJSWASMModule;
    try {
      quickjs = await this.load();
    } catch (error) {
      throw new CodeInterpreterError(`QuickJS WASM module could not be loaded: ${String(error)}`, { cause: error });
    }
    const runtime = quickjs.newRuntime();
    try {
      return this.run(quickjs, runtime, code);
    } finally {
      runtime.dispose();
    }
  }

  shutdown(): void {
    this.closed = true;
  }

  private run(quickjs: QuickJSWASMModule, runtime: QuickJSRuntime, code: string): ExecutionResult {
    const { timeLimitMs, memoryLimitBytes, maxStackBytes, maxOutputChars, maxInterruptChecks } = this.limits;
    const state = {
      stdout: "",
      truncated: false,
      submitted: undefined as string | undefined,
      timedOut: false,
      outOfMemory: false,
    };
    const deadline = Date.now() + timeLimitMs;
    let checks = 0;
    // In the prebuilt WASM, QuickJS's own limit bounds each allocation but not
    // their sum (it cannot read malloc sizes under Emscripten; upstream
    // quickjs-emscripten#255/#271). So the sum is bounded from the host: at
    // each interrupt check the WASM heap (shared by the isolate's sandboxes,
    // freed between runs, never shrunk) may not have grown past its size at
    // first use plus the limit. Between two checks a program can allocate
    // more; HEAP_MAX_BYTES is the hard stop for that.
    runtime.setMemoryLimit(memoryLimitBytes);
    runtime.setMaxStackSize(maxStackBytes);
    const memory = quickjs.getWasmMemory();
    const heapCeiling = Math.max(heapBaseline(quickjs) + memoryLimitBytes, memory.buffer.byteLength);
    // The interrupt also ends a program that caught SUBMIT's signal and kept
    // going: QuickJS's interrupt is uncatchable inside the sandbox.
    runtime.setInterruptHandler(() => {
      if (state.submitted !== undefined) return true;
      checks += 1;
      if (memory.buffer.byteLength > heapCeiling) state.outOfMemory = true;
      else if (Date.now() > deadline || checks > maxInterruptChecks) state.timedOut = true;
      return state.outOfMemory || state.timedOut;
    });

    const ctx = runtime.newContext();
    try {
      this.installHooks(ctx, state, maxOutputChars);
      const prelude = ctx.evalCode(PRELUDE, "prelude.js");
      if (prelude.error) {
        const detail = describe(ctx, prelude.error);
        prelude.error.dispose();
        throw new CodeInterpreterError(`sandbox prelude failed: ${detail.type}: ${detail.message}`);
      }
      prelude.value.dispose();

      // A classic script (never auto-detected as a module): its last expression is the completion value.
      const evaluated = ctx.evalCode(code, "program.js", { type: "global" });
      let completion: unknown = undefined;
      let failure: { type: string; message: string } | null = null;
      if (evaluated.error) {
        failure = describe(ctx, evaluated.error);
        evaluated.error.dispose();
      } else {
        // Promise callbacks (`main().then(…)`, an async main calling SUBMIT) run now, under the same limits.
        const jobs = runtime.executePendingJobs();
        if (jobs.error) {
          failure = describe(ctx, jobs.error);
          jobs.error.dispose();
        }
        const settled = settle(ctx, evaluated.value);
        completion = settled.value;
        failure ??= settled.failure;
      }

      const stdout = state.truncated ? state.stdout + TRUNCATED_MARKER : state.stdout;
      if (state.submitted !== undefined) return { final: true, output: JSON.parse(state.submitted), stdout };
      if (state.outOfMemory) {
        throw new CodeExecutionError(
          "MemoryError",
          `execution stopped after exceeding the ${memoryLimitBytes} byte memory limit`,
        );
      }
      if (state.timedOut) {
        throw new CodeExecutionError(
          "TimeoutError",
          `execution stopped after exceeding the ${timeLimitMs} ms time limit (infinite loop?)`,
        );
      }
      if (failure?.type === "InternalError" && failure.message === "out of memory") {
        throw new CodeExecutionError("MemoryError", `execution ran out of memory (sandbox heap limit ${HEAP_MAX_BYTES} bytes)`);
      }
      if (failure) throw new CodeExecutionError(failure.type, failure.message);
      const output = completion !== undefined ? completion : stdout !== "" ? stdout : null;
      return { final: false, output, stdout };
    } finally {
      ctx.dispose();
    }
  }

  private installHooks(
    ctx: QuickJSContext,
    state: { stdout: string; truncated: boolean; submitted: string | undefined },
    maxOutputChars: number,
  ): void {
    const print = ctx.newFunction("__host_print", (line) => {
      const text = ctx.getString(line) + "\n";
      const room = maxOutputChars - state.stdout.length;
      if (text.length <= room) state.stdout += text;
      else {
        state.stdout += text.slice(0, Math.max(0, room));
        state.truncated = true;
      }
    });
    const submit = ctx.newFunction("__host_submit", (json) => {
      // First SUBMIT wins, like the first return from a function.
      if (state.submitted === undefined) state.submitted = ctx.getString(json);
    });
    ctx.setProp(ctx.global, "__host_print", print);
    ctx.setProp(ctx.global, "__host_submit", submit);
    print.dispose();
    submit.dispose();
  }
}

const baselines = new WeakMap<QuickJSWASMModule, number>();

/** Size of the module's WASM heap when a sandbox first used it. */
function heapBaseline(quickjs: QuickJSWASMModule): number {
  let size = baselines.get(quickjs);
  if (size === undefined) {
    size = quickjs.getWasmMemory().buffer.byteLength;
    baselines.set(quickjs, size);
  }
  return size;
}

/** The completion value, awaited when it is a settled promise; consumes `handle`. */
function settle(ctx: QuickJSContext, handle: QuickJSHandle): { value: unknown; failure: { type: string; message: string } | null } {
  const state = ctx.getPromiseState(handle);
  if (state.type === "fulfilled" && state.notAPromise) {
    const value = ctx.dump(handle);
    handle.dispose();
    return { value, failure: null };
  }
  handle.dispose();
  if (state.type === "fulfilled") return { value: state.value.consume(ctx.dump), failure: null };
  if (state.type === "rejected") {
    const failure = describe(ctx, state.error);
    state.error.dispose();
    return { value: undefined, failure };
  }
  return { value: undefined, failure: null }; // still pending: nothing to report
}

/** Error class and message of a value thrown inside the sandbox. */
function describe(ctx: QuickJSContext, handle: QuickJSHandle): { type: string; message: string } {
  const dumped = ctx.dump(handle) as unknown;
  if (dumped && typeof dumped === "object" && "message" in dumped) {
    const { name, message } = dumped as { name?: unknown; message?: unknown };
    return { type: typeof name === "string" && name ? name : "Error", message: String(message) };
  }
  // `throw "text"` or an out-of-memory null: report what was thrown.
  return { type: "Error", message: dumped === null ? "null (out of memory?)" : String(dumped) };
}
