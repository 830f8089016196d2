// `dspy-edge call <program> key=value … [--url] [--json] [--durable] [--resume <run_id> [--after <seq>]]`:
// runs a program on a dspy-edge server (attached: POST /{program}/stream; durable: POST /api/runs) or
// continues a run, and shows it live until its run_end, then its outputs.
import type { FinalStatus } from "../dspy/events";
import { CliError, EXIT } from "./errors";
import { followRun, type Arrival } from "./follow";
import { Server } from "./http";
import { parseInputs } from "./inputs";
import { duration, oneLine, render, useColor, type Line } from "./text";
import { RunTree, totalTokens, type RunEnd } from "./tree";
import { LiveView, LogView, type View } from "./views";

export interface CallOptions {
  program: string | null;
  pairs: string[];
  url: string;
  token: string | undefined;
  json: boolean;
  durable: boolean;
  resume: string | null;
  after: number;
}

export interface Io {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

/** Starts (or finds) the run; answers its id and, for an attached run, the response already streaming it. */
interface Opened {
  runId: string;
  program: string;
  /** How the run is driven: what stopping to follow it means for it. */
  mode: string;
  first: Response | null;
}

async function open(server: Server, options: CallOptions): Promise<Opened> {
  if (options.resume) {
    const summary = await server.summary(options.resume);
    if (options.program && options.program !== summary.program) {
      throw new CliError(`Run ${options.resume} is a run of ${summary.program}, not ${options.program}`);
    }
    return { runId: options.resume, program: summary.program, mode: summary.mode, first: null };
  }
  const name = options.program!;
  const programs = await server.programs();
  const program = programs.find((p) => p.name === name);
  if (!program) {
    throw new CliError(`Unknown program "${name}" on ${server.base}. Programs: ${programs.map((p) => p.name).join(", ") || "(none)"}`);
  }
  const inputs = parseInputs(name, program.signature.inputs, options.pairs);
  const body = JSON.stringify(inputs);
  if (options.durable) {
    const started = await server.json<{ run_id: string }>("/api/runs", {
      what: `starting a durable run of ${name}`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ program: name, inputs }),
    });
    return { runId: started.run_id, program: name, mode: "durable", first: null };
  }
  const res = await server.request(`/${encodeURIComponent(name)}/stream`, {
    what: `running ${name}`,
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body,
  });
  const runId = res.headers.get("x-run-id");
  if (!runId) throw new CliError(`${server.base}/${name}/stream answered without an X-Run-Id (is --url a dspy-edge server?)`, EXIT.server);
  return { runId, program: name, mode: "attached", first: res };
}

export async function call(options: CallOptions, io: Io): Promise<number> {
  const server = new Server(options.url, options.token);
  const color = !options.json && useColor(io.out, io.env);
  const say = (line: Line) => io.out.write(render(line, color) + "\n");
  const { runId, program, mode, first } = await open(server, options);

  const tree = new RunTree(runId);
  let view: View | null = null;
  if (!options.json) {
    say([["▶ ", "cyan"], [program, "bold"], ["  run " + runId, "dim"], ["  " + server.permalink(runId), "dim"]]);
    view = io.out.isTTY ? new LiveView(tree, io.out, color) : new LogView(io.out, io.err, color);
  }

  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  let result;
  try {
    result = await followRun(server, runId, first, {
      after: options.after,
      signal: abort.signal,
      onEvent: (arrival: Arrival) => {
        if (options.json) io.out.write(arrival.raw + "\n");
        const node = tree.apply(arrival);
        view?.event(arrival, node);
      },
      onReconnect: ({ attempt, after, reason, waitMs }) => {
        const message = `connection lost (${reason}); resuming after seq ${after} in ${duration(waitMs)} (attempt ${attempt})`;
        if (view) view.reconnecting(message);
        else io.err.write(message + "\n");
      },
    });
  } catch (e) {
    view?.finish();
    if (abort.signal.aborted) {
      const lasts = mode === "durable" ? "a durable run finishes on its own" : "an attached run lasts about 30 s without a client";
      const auth = options.token ? ` -H "Authorization: Bearer $API_TOKEN"` : "";
      io.err.write(
        `\nStopped following run ${runId}; it goes on on the server (${lasts}).\n` +
          `Continue: dspy-edge call --resume ${runId}${options.url !== DEFAULT_URL ? ` --url ${options.url}` : ""}\n` +
          `Cancel:   curl -X POST${auth} ${server.base}/api/runs/${runId}/cancel\n`,
      );
      return EXIT.interrupted;
    }
    throw e;
  } finally {
    process.off("SIGINT", onSigint);
  }
  view?.finish();

  // Nothing after --after, or the run ended before we looked: its summary has the ending.
  const end: Pick<RunEnd, "status" | "outputs" | "error" | "usage" | "duration_ms"> = result.end ?? (await endFromSummary(server, runId));
  if (!options.json) printEnd(end, say);
  return end.status === "succeeded" ? EXIT.ok : EXIT.runFailed;
}

export const DEFAULT_URL = "http://localhost:8787";

async function endFromSummary(server: Server, runId: string) {
  const s = await server.summary(runId);
  if (s.status === "running") throw new CliError(`Run ${runId} is still running but its event stream ended`, EXIT.server);
  return { status: s.status as FinalStatus, outputs: s.outputs, error: s.error, usage: s.usage, duration_ms: s.duration_ms ?? 0 };
}

/** The ending: status, time and tokens, then each output field. */
function printEnd(end: Pick<RunEnd, "status" | "outputs" | "error" | "usage" | "duration_ms">, say: (line: Line) => void): void {
  const tokens = totalTokens(end.usage);
  const facts = `in ${duration(end.duration_ms)}${tokens ? ` · ${tokens.toLocaleString("en-US")} tokens` : ""}`;
  say([]);
  if (end.status === "succeeded") say([["✓ succeeded ", "green"], [facts, "dim"]]);
  else say([[`✗ ${end.status} `, "red"], [facts, "dim"], ...(end.error ? [["  " + `${end.error.type}: ${end.error.message}`, "red"] as [string, "red"]] : [])]);
  for (const [name, value] of Object.entries(end.outputs ?? {})) {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      // A dict (ReAct's trajectory): one line per key.
      say([[name + ":", "bold"]]);
      for (const [key, item] of Object.entries(value)) say([["  " + key + ": ", "dim"], oneLine(item, 2000)]);
      continue;
    }
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const cut = text.length > 4000 ? `${text.slice(0, 4000)}… (${text.length - 4000} more characters; --json has all of it)` : text;
    if (!cut.includes("\n")) say([[name + ": ", "bold"], cut]);
    else {
      say([[name + ":", "bold"]]);
      for (const line of cut.split("\n")) say(["  " + line]);
    }
  }
}
