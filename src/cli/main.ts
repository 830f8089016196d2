// The `dspy-edge` command line: `call` runs a program on a server and draws it live; `new` scaffolds one.
// bin/dspy-edge.mjs bundles this file and calls main().
import { parseArgs, type ParseArgsConfig } from "node:util";
import { call, DEFAULT_URL, type Io } from "./call";
import { CliError, EXIT } from "./errors";
import { MODULE_KINDS, scaffold } from "./scaffold";

const HELP = `dspy-edge — run DSPy-style programs on a dspy-edge server, or scaffold a new one

Usage:
  dspy-edge call <program> key=value … [options]   run a program and watch it live
  dspy-edge call --resume <run_id> [options]      continue following a run (replays it first)
  dspy-edge new <name> "<signature>" --module <kind> [--state saved.json] [--description text]

call options:
  --url <url>        the server (default $DSPY_EDGE_URL or ${DEFAULT_URL}); API_TOKEN from the environment
  --json             print the raw events, one JSON object per line, for scripts
  --durable          start a durable run (POST /api/runs): it finishes even if this client goes away
  --resume <run_id>  follow an existing run instead of starting one
  --after <seq>      with --resume: only the events after this seq (as Last-Event-ID)

Values are read like the web form reads them: numbers for int/float fields, true/false for bool,
JSON for lists and dicts, text as is (quote it for the shell): question="What is 17 * 3?"

new: --module ${MODULE_KINDS.join("|")}
  writes src/programs/<name>.ts and registers it in src/programs/index.ts; then npm run dev serves it.

Exit status: 0 succeeded, 1 the run failed/was cancelled/interrupted, 2 bad usage or input,
3 the server could not be used (unreachable, auth, lost stream), 130 stopped with Ctrl-C.
`;

function parse(args: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(`${e instanceof Error ? e.message : String(e)}\nRun dspy-edge --help for usage.`);
  }
}

async function run(argv: string[], io: Io, cwd: string): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    io.out.write(HELP);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === "call") {
    const { values, positionals } = parse(rest, {
      url: { type: "string" },
      json: { type: "boolean" },
      durable: { type: "boolean" },
      resume: { type: "string" },
      after: { type: "string" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      io.out.write(HELP);
      return EXIT.ok;
    }
    const resume = (values.resume as string | undefined) ?? null;
    const [program = null, ...pairs] = positionals;
    // A program name never has "=", so `call --resume ID` may be followed by nothing at all.
    if (!resume && (!program || program.includes("="))) throw new CliError("call: name the program to run, e.g. dspy-edge call qa question=\"…\"");
    if (resume && pairs.length) throw new CliError("call --resume continues a run with its own inputs; leave out key=value");
    if (resume && values.durable) throw new CliError("call: --durable starts a run; --resume follows one. Pick one.");
    const after = values.after === undefined ? 0 : Number(values.after);
    if (!Number.isInteger(after) || after < 0) throw new CliError(`--after must be a seq (a whole number ≥ 0), got "${values.after}"`);
    if (after && !resume) throw new CliError("--after goes with --resume");
    return call(
      {
        program,
        pairs,
        url: (values.url as string | undefined) ?? io.env.DSPY_EDGE_URL ?? DEFAULT_URL,
        token: io.env.API_TOKEN || undefined,
        json: Boolean(values.json),
        durable: Boolean(values.durable),
        resume,
        after,
      },
      io,
    );
  }
  if (command === "new") {
    const { values, positionals } = parse(rest, {
      module: { type: "string", short: "m" },
      state: { type: "string" },
      description: { type: "string" },
    });
    const [name, signature, ...extra] = positionals;
    if (!name || signature === undefined || extra.length) {
      throw new CliError('new: give a name and a signature, e.g. dspy-edge new summarize "text -> summary" --module cot');
    }
    const written = scaffold({
      cwd,
      name,
      signature,
      module: (values.module as string | undefined) ?? "",
      state: values.state as string | undefined,
      description: values.description as string | undefined,
    });
    io.out.write(
      `Wrote ${written.file}\nRegistered it in ${written.registry}\n` +
        (written.stateFile ? `Copied the saved state to ${written.stateFile}\n` : "") +
        `Next: npm run typecheck && npm run dev, then open http://localhost:8787 (or: npx dspy-edge call ${name} ${written.example})\n`,
    );
    return EXIT.ok;
  }
  throw new CliError(`Unknown command "${command}". Commands: call, new. Run dspy-edge --help for usage.`);
}

/** Runs the command line; answers the exit status. Errors the user can act on are one clear message. */
export async function main(argv: string[], io: Io = { out: process.stdout, err: process.stderr, env: process.env }, cwd = process.cwd()): Promise<number> {
  try {
    return await run(argv, io, cwd);
  } catch (e) {
    if (e instanceof CliError) {
      io.err.write(`dspy-edge: ${e.message}\n`);
      return e.exitCode;
    }
    io.err.write(`dspy-edge: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.server;
  }
}
