// The ProgramOfThought sandbox, run inside workerd (where eval/new Function are
// forbidden): QuickJS in WASM, loaded as a precompiled module.
import { describe, expect, it } from "vitest";
import { CodeExecutionError } from "../../../src/dspy/interpreter/code-interpreter";
import { quickJSInterpreter } from "../../../src/dspy/interpreter/quickjs-workers";

const run = (code: string, limits?: Parameters<typeof quickJSInterpreter>[0]) => quickJSInterpreter(limits).execute(code);

async function failure(code: string, limits?: Parameters<typeof quickJSInterpreter>[0]): Promise<CodeExecutionError> {
  const error = await run(code, limits).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CodeExecutionError);
  return error as CodeExecutionError;
}

describe("QuickJS sandbox in workerd", () => {
  it("returns what the program SUBMITs, with its console output", async () => {
    const r = await run("let s = 0; for (let i = 1; i <= 10; i++) s += i; console.log('sum', s, {s}); SUBMIT({ answer: s }); console.log('never')");
    expect(r).toEqual({ final: true, output: { answer: 55 }, stdout: 'sum 55 {"s":55}\n' });
  });

  it("without SUBMIT, returns the last expression's value, else what was printed", async () => {
    expect(await run("const x = 6; x * 7")).toEqual({ final: false, output: 42, stdout: "" });
    expect(await run("console.log('hi'); undefined")).toEqual({ final: false, output: "hi\n", stdout: "hi\n" });
    expect(await run("let y = 1;")).toEqual({ final: false, output: null, stdout: "" });
  });

  it("runs promise callbacks before returning", async () => {
    expect((await run("Promise.resolve(2).then((v) => SUBMIT({ v }))")).output).toEqual({ v: 2 });
  });

  it("reports syntax errors and exceptions with their class", async () => {
    const syntax = await failure("let = ;");
    expect(syntax.errorType).toBe("SyntaxError");
    const thrown = await failure("null.x");
    expect(thrown.errorType).toBe("TypeError");
    expect(thrown.message).toMatch(/^TypeError: /);
    expect((await failure("throw new RangeError('too big')")).message).toBe("RangeError: too big");
    // A classic script: no modules, no top-level await.
    expect((await failure("import fs from 'fs'; SUBMIT(1)")).errorType).toBe("SyntaxError");
    expect((await run("SUBMIT(() => 1)")).output).toBeNull();
  });

  it("stops an infinite loop at the time limit", async () => {
    const e = await failure("while (true) {}", { timeLimitMs: 100 });
    expect(e.errorType).toBe("TimeoutError");
    expect(e.message).toContain("100 ms time limit");
  });

  it("ends a program that catches SUBMIT's signal and keeps looping", async () => {
    const r = await run("try { SUBMIT({ a: 1 }) } catch (e) {} while (true) {}", { timeLimitMs: 60_000 });
    expect(r.output).toEqual({ a: 1 });
  });

  it("stops a program that exhausts its memory, and the next one still runs", async () => {
    // Small chunks: the per-execution limit, checked between bytecode slices.
    const slow = await failure("const a = []; while (true) a.push('x'.repeat(1 << 12) + a.length);", {
      memoryLimitBytes: 4 << 20,
      timeLimitMs: 60_000,
    });
    expect(slow.message).toMatch(/^MemoryError: execution (stopped after exceeding the 4194304 byte memory limit|ran out of memory)/);
    // Big chunks: many MB between two checks; the WASM heap's hard maximum stops it.
    const fast = await failure("const a = []; while (true) a.push('x'.repeat(1 << 20) + a.length);", {
      timeLimitMs: 60_000,
    });
    expect(fast.errorType).toBe("MemoryError");
    expect((await run("SUBMIT(6 * 7)")).output).toBe(42);
  }, 30_000);

  it("offers no host access: no fetch, timers, process or the raw hooks", async () => {
    const r = await run(
      "SUBMIT([typeof fetch, typeof setTimeout, typeof process, typeof require, typeof __host_print, typeof __host_submit])",
    );
    expect(r.output).toEqual(Array(6).fill("undefined"));
  });

  it("keeps nothing between executions", async () => {
    const sandbox = quickJSInterpreter();
    await sandbox.execute("globalThis.leak = 1");
    expect((await sandbox.execute("typeof leak")).output).toBe("undefined");
  });
});
