// What the command line reports when it stops early, and the exit status that goes with it.

/** Exit statuses: 0 the run succeeded, then one per kind of failure so scripts can tell them apart. */
export const EXIT = {
  ok: 0,
  /** The run ended failed, cancelled or interrupted. */
  runFailed: 1,
  /** The request was wrong: usage, unknown program or run, bad input, refused scaffold. */
  usage: 2,
  /** The server could not be used: unreachable, auth, server error, lost stream. */
  server: 3,
  /** Stopped with Ctrl-C (128 + SIGINT). */
  interrupted: 130,
} as const;

export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}
