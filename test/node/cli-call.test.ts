// `dspy-edge call` against wrangler dev with the demo LM: the live tree as plain lines, --json events,
// --durable, --resume (after a finished run, after a seq, after a dropped connection), a pseudo-terminal's
// redraw, and the errors a user meets (unknown program, bad input, auth, no server).
import { spawnSync } from "node:child_process";
import { createServer, connect, type Server as NetServer, type Socket } from "node:net";
import { describe, expect, inject, it } from "vitest";
import { RunEvent } from "../../src/dspy/events";
import { parseInputs } from "../../src/cli/inputs";
import type { FieldInfo } from "../../src/server/program-info";
import { BIN, runCli, startCli } from "./cli";

const url = inject("serverURL");
const token = inject("apiToken");
const authed = { API_TOKEN: token };

function events(stdout: string): RunEvent[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => RunEvent.parse(JSON.parse(line)));
}

function expectWholeRun(list: RunEvent[]): void {
  expect(list.map((e) => e.seq)).toEqual(list.map((_, i) => i + 1));
  expect(list[0].type).toBe("run_start");
  expect(list.at(-1)!.type).toBe("run_end");
  expect(new Set(list.map((e) => e.run_id)).size).toBe(1);
}

async function summary(runId: string) {
  const res = await fetch(`${url}/api/runs/${runId}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; mode: string; events: number; outputs: Record<string, unknown> };
}

/** Lines that say which call ran, in order: the tree's skeleton. */
function skeleton(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((l) => /[▸✓✗] /.test(l) && !l.includes("succeeded"))
    .map((l) => l.replace(/\s+\d+(\.\d+)?(ms|s)\b.*$/, "").replace(/\s+\d+→\d+ tok/, "").trimEnd());
}

describe("dspy-edge call", () => {
  it("draws the agent's tree (modules, LM calls with tokens, tool args → result) and ends with the outputs", async () => {
    const r = await runCli(["call", "agent", "question=What is 17 * 3?", "--url", url], { env: authed });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const runId = /run ([0-9a-f]{32})/.exec(r.stdout)![1];
    expect(r.stdout.split("\n")[0]).toBe(`▶ agent  run ${runId}  ${url}/runs/${runId}`);
    expect(skeleton(r.stdout)).toEqual([
      "▸ agent  ReAct",
      "  ▸ agent.react  Predict  step 1/6",
      "    ✓ lm demo/gpt-4o-mini",
      "  ✓ agent.react  Predict  step 1/6",
      '  ✓ tool calculator(expression="17 * 3")  → 51',
      "  ▸ agent.react  Predict  step 2/6",
      "    ✓ lm demo/gpt-4o-mini",
      "  ✓ agent.react  Predict  step 2/6",
      "  ✓ tool finish()  → Completed.",
      "  ▸ agent.extract  ChainOfThought",
      "    ▸ agent.extract.predict  Predict",
      "      ✓ lm demo/gpt-4o-mini",
      "    ✓ agent.extract.predict  Predict",
      "  ✓ agent.extract  ChainOfThought",
      "✓ agent  ReAct",
    ]);
    // Each LM line carries its token counts; its text follows, markers read as field names.
    expect(r.stdout).toMatch(/✓ lm demo\/gpt-4o-mini {2}\d+→\d+ tok {2}\d/);
    expect(r.stdout).toContain("    │ next_tool_name:\n");
    expect(r.stdout).toMatch(/\n✓ succeeded in \d.* · [\d,]+ tokens\n/);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("answer: 51");
    const run = await summary(runId);
    expect(run).toMatchObject({ status: "succeeded", mode: "attached", outputs: { answer: "51" } });
  });

  it("--json prints every event once, in seq order, as the server logged them", async () => {
    const r = await runCli(["call", "reason", "question=Why is the sky blue?", "--url", url, "--json"], { env: authed });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const list = events(r.stdout);
    expectWholeRun(list);
    expect(list.some((e) => e.type === "lm_delta")).toBe(true);
    const end = list.at(-1) as Extract<RunEvent, { type: "run_end" }>;
    expect(end.status).toBe("succeeded");
    expect(Object.keys(end.outputs!)).toEqual(["reasoning", "answer"]);
    expect((await summary(list[0].run_id)).events).toBe(list.length);
  });

  it("--durable starts a run its object drives, and follows it to the end", async () => {
    const r = await runCli(["call", "reason", "question=What is 2 + 2?", "--url", url, "--durable", "--json"], { env: authed });
    expect(r.code).toBe(0);
    const list = events(r.stdout);
    expectWholeRun(list);
    expect(await summary(list[0].run_id)).toMatchObject({ mode: "durable", status: "succeeded", events: list.length });
  });

  it("--resume replays a run and ends with its outputs; --after continues after a seq", async () => {
    const first = await runCli(["call", "qa", "question=What is the capital of France?", "--url", url, "--json"], { env: authed });
    const all = events(first.stdout);
    const runId = all[0].run_id;

    const replay = await runCli(["call", "--resume", runId, "--url", url], { env: authed });
    expect(replay.code).toBe(0);
    expect(skeleton(replay.stdout)).toEqual(["▸ qa  Predict", "  ✓ lm demo/gpt-4o-mini", "✓ qa  Predict"]);
    expect(replay.stdout.trimEnd().split("\n").at(-1)).toBe(`answer: ${(all.at(-1) as Extract<RunEvent, { type: "run_end" }>).outputs!.answer}`);

    const rest = await runCli(["call", "--resume", runId, "--after", "5", "--url", url, "--json"], { env: authed });
    expect(rest.code).toBe(0);
    expect(events(rest.stdout)).toEqual(all.slice(5));
  });

  it("resumes after a dropped connection with Last-Event-ID: no event lost, none twice", async () => {
    const proxy = await dropOnce(new URL(url), 1500);
    try {
      const r = await runCli(["call", "agent", "question=What is 17 * 3?", "--url", proxy.url, "--json"], { env: authed });
      expect(r.code).toBe(0);
      const list = events(r.stdout);
      expectWholeRun(list);
      expect((list.at(-1) as Extract<RunEvent, { type: "run_end" }>).outputs).toMatchObject({ answer: "51" });
      expect(proxy.cut).toBe(true);
      const resumedAfter = Number(/resuming after seq (\d+)/.exec(r.stderr)?.[1]);
      expect(resumedAfter).toBeGreaterThan(0);
      expect(resumedAfter).toBeLessThan(list.length);
      const resume = proxy.requests.find((h) => h.startsWith(`GET /api/runs/${list[0].run_id}/events`));
      expect(resume?.toLowerCase()).toContain(`last-event-id: ${resumedAfter}\r\n`);
    } finally {
      await proxy.close();
    }
  });

  it.skipIf(!hasScript())("on a terminal, redraws the tree in place and leaves the whole tree at the end", async () => {
    const cmd = [process.execPath, BIN, "call", "agent", "question=What is 17 * 3?", "--url", url].map(shellQuote).join(" ");
    const r = await runCli([], { env: { ...authed, TERM: "xterm" }, command: ["script", "-q", "-e", "-c", `stty cols 120 rows 40; ${cmd}`, "/dev/null"] });
    expect(r.code).toBe(0);
    const out = r.stdout.replace(/\r/g, "");
    expect(out).toContain("\x1b[?25l"); // cursor hidden while drawing
    expect(out).toMatch(/\x1b\[\d+F\x1b\[J/); // moved up and redrew
    expect(out).toContain("\x1b[?25h");
    const final = out.slice(out.lastIndexOf("\x1b[J") + 3);
    expect(final).toContain("✓ agent  ReAct");
    expect(final).toMatch(/├─ ✓ tool calculator\(expression="17 \* 3"\) {2}→ 51/);
    expect(final).toMatch(/└─ ✓ agent.extract {2}ChainOfThought/);
    expect(final.trimEnd().split("\n").at(-1)).toBe("answer: 51");
  });

  it.skipIf(!systemNode20())("starts on the system's Node 20 too (plain `npx` outside npm scripts may give it)", async () => {
    const r = await runCli(["call", "qa", "question=What is the capital of France?", "--url", url], { env: authed, node: SYSTEM_NODE });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nanswer: \S/);
  });

  describe("ending early", () => {
    it("a run cancelled while it is drawn ends with ✗ cancelled and exit status 1", async () => {
      const cli = startCli(["call", "agent", "question=What is 17 * 3?", "--url", url], authed);
      const [, runId] = await cli.waitFor(/run ([0-9a-f]{32})/);
      await cli.waitFor(/▸ agent\.react/);
      const res = await fetch(`${url}/api/runs/${runId}/cancel`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(202);
      const r = await cli.done;
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/\n✗ cancelled in \d/);
      expect(r.stdout).not.toContain("answer: 51");
    });

    it("Ctrl-C stops following, leaves the run going, and says how to resume or cancel it", async () => {
      const cli = startCli(["call", "agent", "question=What is 17 * 3?", "--url", url], authed);
      const [, runId] = await cli.waitFor(/run ([0-9a-f]{32})/);
      await cli.waitFor(/▸ agent\.react/);
      cli.child.kill("SIGINT");
      const r = await cli.done;
      expect(r.code).toBe(130);
      expect(r.stderr).toContain(`Stopped following run ${runId}; it goes on on the server (an attached run lasts about 30 s without a client)`);
      expect(r.stderr).toContain(`Cancel:   curl -X POST -H "Authorization: Bearer $API_TOKEN" ${url}/api/runs/${runId}/cancel\n`);
      expect(r.stderr).toContain(`Continue: dspy-edge call --resume ${runId} --url ${url}\n`);
      // It did go on: following it again gets to its end.
      const resumed = await runCli(["call", "--resume", runId, "--url", url], { env: authed });
      expect(resumed.code).toBe(0);
      expect(resumed.stdout.trimEnd().split("\n").at(-1)).toBe("answer: 51");
    });
  });

  describe("errors", () => {
    it("an unknown program lists the ones there are", async () => {
      const r = await runCli(["call", "nope", "question=x", "--url", url], { env: authed });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^dspy-edge: Unknown program "nope" on http:\/\/127\.0\.0\.1:\d+\. Programs: qa, reason, classify, agent/);
    });

    it("input the server rejects shows its field errors; input that cannot be read names the field", async () => {
      const missing = await runCli(["call", "classify", "--url", url], { env: authed });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/\(HTTP 400\)\n {2}text: /);
      const wrong = await runCli(["call", "classify", "txt=hello", "oops", "--url", url], { env: authed });
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toBe(
        'dspy-edge: Bad input for classify:\n  txt: classify has no input "txt"\n  "oops" is not key=value\nUsage: dspy-edge call classify text=<str>\n',
      );
    });

    it("auth: no token says to set API_TOKEN; a wrong one says it was refused", async () => {
      const none = await runCli(["call", "qa", "question=x", "--url", url]);
      expect(none.code).toBe(3);
      expect(none.stderr).toContain("(HTTP 401)\nThis server needs a token: set API_TOKEN in the environment");
      const wrong = await runCli(["call", "qa", "question=x", "--url", url], { env: { API_TOKEN: "wrong" } });
      expect(wrong.code).toBe(3);
      expect(wrong.stderr).toContain("The API token is not valid. (HTTP 401)\nThe token in API_TOKEN was refused");
    });

    it("no server: says nothing listens there and how to start one", async () => {
      const port = await closedPort();
      const r = await runCli(["call", "qa", "question=x", "--url", `http://127.0.0.1:${port}`], { env: authed });
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(
        `dspy-edge: listing programs: nothing is listening at http://127.0.0.1:${port} (connection refused). Start the server with \`npm run dev\`, or pass --url.\n`,
      );
    });

    it("an unknown run id is a 404 in words", async () => {
      const r = await runCli(["call", "--resume", "0".repeat(32), "--url", url], { env: authed });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^dspy-edge: reading run 0{32}: No run with id/);
    });

    it("usage mistakes are caught before any request", async () => {
      expect((await runCli(["call"])).stderr).toContain("call: name the program to run");
      expect((await runCli(["call", "qa", "--bogus"])).stderr).toContain("Unknown option '--bogus'");
      expect((await runCli(["call", "qa", "--after", "3"])).stderr).toContain("--after goes with --resume");
      expect((await runCli(["frobnicate"])).code).toBe(2);
    });
  });
});

describe("key=value inputs are read like the form reads them", () => {
  const field = (name: string, type: string, schema: Record<string, unknown>, optional = false): FieldInfo => ({ name, type, description: null, schema, optional });
  const fields = [
    field("text", "str", { type: "string" }),
    field("k", "int", { type: "integer" }),
    field("t", "float", { type: "number" }),
    field("strict", "bool", { type: "boolean" }),
    field("tone", "Literal['calm', 'angry']", { enum: ["calm", "angry"] }),
    field("docs", "list[str]", { type: "array", items: { type: "string" } }),
    field("meta", "dict[str, int]", { type: "object" }),
    field("extra", "Any", {}),
  ];

  it("types each value by its field", () => {
    expect(
      parseInputs("p", fields, ["text=a=b", "k=42", "t=0.5", "strict=yes", "tone=calm", 'docs=["a","b"]', 'meta={"x":1}', "extra=plain words"]),
    ).toEqual({ text: "a=b", k: 42, t: 0.5, strict: true, tone: "calm", docs: ["a", "b"], meta: { x: 1 }, extra: "plain words" });
  });

  it("reports every bad value at once, with its type", () => {
    expect(() => parseInputs("p", fields, ["k=4.5", "t=fast", "strict=maybe", "tone=sad", "docs={}", "meta=[1]", "k=1"])).toThrow(
      [
        "Bad input for p:",
        '  k (int): expected a whole number, got "4.5"',
        '  t (float): expected a number, got "fast"',
        '  strict (bool): expected true or false, got "maybe"',
        "  tone (Literal['calm', 'angry']): expected one of \"calm\", \"angry\", got \"sad\"",
        `  docs (list[str]): expected a JSON array, like '["a", "b"]'`,
        `  meta (dict[str, int]): expected a JSON object, like '{"key": "value"}'`,
      ].join("\n"),
    );
  });
});

const SYSTEM_NODE = "/usr/bin/node";

function systemNode20(): boolean {
  return /^v20\./.test(spawnSync(SYSTEM_NODE, ["--version"], { encoding: "utf8" }).stdout ?? "");
}

function hasScript(): boolean {
  return spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function closedPort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

/**
 * A TCP proxy to the server that cuts the first event stream once `bytes` of it went through, the way a
 * dropped network does, and lets every later connection through. It records each request's head.
 */
async function dropOnce(target: URL, bytes: number): Promise<{ url: string; cut: boolean; requests: string[]; close(): Promise<void> }> {
  const state = { cut: false, requests: [] as string[] };
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.on("data", (d) => {
      const text = d.toString("latin1");
      if (/^[A-Z]+ \//.test(text)) state.requests.push(text.slice(0, text.indexOf("\r\n\r\n") + 4));
      upstream.write(d);
    });
    let streamed = -1; // bytes of event stream seen on this connection (-1: not a stream yet)
    upstream.on("data", (d) => {
      if (!state.cut && streamed < 0 && d.toString("latin1").includes("text/event-stream")) streamed = 0;
      if (!state.cut && streamed >= 0) {
        streamed += d.length;
        if (streamed > bytes) {
          state.cut = true;
          client.write(d.subarray(0, d.length - (streamed - bytes)));
          client.destroy();
          upstream.destroy();
          return;
        }
      }
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get cut() {
      return state.cut;
    },
    requests: state.requests,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}
