// The contract between ProgramOfThought and whatever runs its generated code,
// like DSPy's dspy/primitives/code_interpreter.py (there: Python in Deno/Pyodide;
// here: JavaScript in a WASM sandbox, because Workers forbid eval/new Function).

/** What one execution produced. */
export interface ExecutionResult {
  /** True when the code called `SUBMIT(value)`: `output` is that value. */
  final: boolean;
  /**
   * The submitted value; otherwise the script's completion value (its last
   * expression) when not undefined; otherwise what it printed; otherwise null.
   */
  output: unknown;
  /** Everything written with console.log/info/warn/error, one line per call. */
  stdout: string;
}

export interface CodeInterpreter {
  /**
   * Runs `code` in isolation. Throws CodeExecutionError for faults of the code
   * (syntax, exceptions, time or memory limit), which the caller may feed back
   * to the LM; any other error means the interpreter itself failed.
   */
  execute(code: string): Promise<ExecutionResult>;
  /** Releases resources; the interpreter is not used afterwards. */
  shutdown(): void;
}

/** A fault of the executed code, recoverable by writing different code. */
export class CodeExecutionError extends Error {
  override name = "CodeExecutionError";
  constructor(
    /** The error class raised inside the sandbox, e.g. "TypeError", "InternalError". */
    readonly errorType: string,
    message: string,
  ) {
    super(`${errorType}: ${message}`);
  }
}

/** The interpreter could not run at all (WASM not loadable, used after shutdown, …). */
export class CodeInterpreterError extends Error {
  override name = "CodeInterpreterError";
}
