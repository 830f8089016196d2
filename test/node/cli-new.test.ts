// `dspy-edge new` in a temporary copy of the project: one program per module kind, each listed in
// src/programs/index.ts; the copy type-checks, and `wrangler dev` serves every new program with the
// demo LM. Refusals (taken name, bad signature, bad kind) write nothing.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, type DevServer } from "../../scripts/dev-server";
import { root, runCli } from "./cli";

const copy = mkdtempSync(join(tmpdir(), "dspy-edge-scaffold-"));
for (const entry of ["src", "static", "scripts", "bin", "tsconfig.json", "package.json", "wrangler.toml", "worker-configuration.d.ts", ".dev.vars.example"]) {
  cpSync(join(root, entry), join(copy, entry), { recursive: true, filter: (src) => !src.endsWith("static/app.js") });
}
symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
const read = (path: string) => readFileSync(join(copy, path), "utf8");

// Two kinds build on APIs other branches add: run them once those exist here.
const hasParallel = existsSync(join(copy, "src/dspy/parallel.ts")) && /export class Parallel\b/.test(read("src/dspy/parallel.ts"));
const hasState = /^\s*state\??:/m.test(read("src/programs/define.ts"));
const PARALLEL_MISSING = "SKIPPED until src/dspy/parallel.ts exports Parallel (the parallel branch)";
const STATE_MISSING = "SKIPPED until defineProgram takes `state` (the saved-state branch)";

const QA = "context: list[str], question -> answer, confidence: float";
interface Case {
  name: string;
  kind: string;
  signature: string;
  /** The root module's class, as GET /api/programs reports it. */
  module: string;
  state?: string;
}
const cases: Case[] = [
  { name: "sentiment", kind: "predict", signature: "text -> sentiment: Literal['positive', 'negative'], confidence: float", module: "Predict" },
  { name: "my-cot", kind: "cot", signature: QA, module: "ChainOfThought" },
  { name: "my-react", kind: "react", signature: QA, module: "ReAct" },
  { name: "my-pot", kind: "pot", signature: "question -> answer: float", module: "ProgramOfThought" },
  { name: "my-best", kind: "best", signature: QA, module: "BestOfN" },
  { name: "my-refine", kind: "refine", signature: QA, module: "Refine" },
  { name: "my-mcc", kind: "mcc", signature: QA, module: "MyMccComparison" },
];
const parallelCase: Case = { name: "majority", kind: "parallel", signature: QA, module: "MajorityVote" };
const stateCase: Case = { name: "fewshot", kind: "cot", signature: "question -> answer", module: "ChainOfThought", state: join(root, "test/fixtures/cli/cot_fewshot.saved.json") };
const made = [...cases, ...(hasParallel ? [parallelCase] : []), ...(hasState ? [stateCase] : [])];

function inputsFor(signature: string): string[] {
  if (signature.startsWith("text")) return ["text=I love this"];
  if (signature.startsWith("context")) return ['context=["Paris is the capital of France."]', "question=What is the capital of France?"];
  return ["question=What is 2 + 3?"];
}

afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe("dspy-edge new", () => {
  it("writes src/programs/<name>.ts per module kind and lists each in src/programs/index.ts", async () => {
    for (const c of made) {
      const r = await runCli(["new", c.name, c.signature, "--module", c.kind, ...(c.state ? ["--state", c.state] : [])], { cwd: copy });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Wrote src/programs/${c.name}.ts\nRegistered it in src/programs/index.ts\n`);
      expect(read(`src/programs/${c.name}.ts`)).toContain(`  name: ${JSON.stringify(c.name)},\n`);
    }
    const ids = made.map((c) => c.name.replace(/-(\w)/g, (_, x: string) => x.toUpperCase()));
    expect(read("src/programs/index.ts")).toBe(
      [
        "// Your programs, served next to the examples. `npx dspy-edge new <name> \"<signature>\"` writes",
        "// src/programs/<name>.ts and adds it to this list; a program written by hand is listed here the same way.",
        'import type { Program } from "./define";',
        ...made.map((c, i) => `import { ${ids[i]} } from "./${c.name}";`),
        "",
        `export const programs: Program[] = [${ids.join(", ")}];`,
        "",
      ].join("\n"),
    );
    expect(read("src/programs/my-cot.ts")).toBe(
      [
        "// context, question → answer, confidence (ChainOfThought).",
        "// Scaffolded by `dspy-edge new`; served as POST /my-cot once listed in ./index.ts.",
        'import { ChainOfThought } from "../dspy/chain-of-thought";',
        'import { defineProgram } from "./define";',
        "",
        "export const myCot = defineProgram({",
        '  name: "my-cot",',
        '  description: "context, question → answer, confidence (ChainOfThought).",',
        `  module: () => new ChainOfThought(${JSON.stringify(QA)}),`,
        "});",
        "",
      ].join("\n"),
    );
  });

  it("refuses a taken name, a bad name, a bad signature or kind, and writes nothing then", async () => {
    const before = { index: read("src/programs/index.ts"), files: readdirSync(join(copy, "src/programs")).sort() };
    const refusals: [string[], string][] = [
      [["new", "qa", "question -> answer", "--module", "cot"], 'A program named "qa" already exists (src/programs/examples/qa.ts); pick another name'],
      [["new", "my-cot", "question -> answer", "--module", "cot"], 'A program named "my-cot" already exists (src/programs/my-cot.ts); pick another name'],
      [["new", "registry", "question -> answer", "--module", "cot"], "src/programs/registry.ts already exists; pick another name"],
      [["new", "api", "question -> answer", "--module", "cot"], 'Program name "api" is taken by the Worker itself'],
      [["new", "My Program", "question -> answer", "--module", "cot"], 'Program name "My Program" must match [a-z][a-z0-9_-]*'],
      [["new", "fresh", "question answer", "--module", "cot"], 'Invalid signature "question answer": '],
      [["new", "fresh", "question -> answer: lisst[str]", "--module", "cot"], 'Invalid signature "question -> answer: lisst[str]": '],
      [["new", "fresh", "question -> answer", "--module", "lstm"], 'new: --module must be one of predict, cot, react, pot, best, refine, mcc, parallel, not "lstm"'],
      [["new", "fresh", "question -> answer", "--module", "cot", "--state", "missing.json"], "--state missing.json: cannot read it"],
      [["new", "fresh", "question -> answer", "--module", "cot", "--state", "package.json"], "--state package.json: expected DSPy's saved state, {\"<predictor>\": {\"demos\": […]"],
      ...(hasParallel ? [] : [[["new", "fresh", "question -> answer", "--module", "parallel"], "--module parallel needs `Parallel` from src/dspy/parallel.ts"] as [string[], string]]),
      ...(hasState ? [] : [[["new", "fresh", "question -> answer", "--module", "cot", "--state", stateCase.state!], "--state needs defineProgram({ state })"] as [string[], string]]),
    ];
    for (const [args, message] of refusals) {
      const r = await runCli(args, { cwd: copy });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(`dspy-edge: ${message}`);
    }
    expect(read("src/programs/index.ts")).toBe(before.index);
    expect(readdirSync(join(copy, "src/programs")).sort()).toEqual(before.files);
  });

  // wrangler dev keeps running (and never answers) when the bundle does not build: only serve what compiles.
  let typechecked = false;
  it("the copy with every new program type-checks", () => {
    const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", copy], { encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
    typechecked = true;
  });

  describe("served by wrangler dev with the demo LM", () => {
    let server: DevServer | undefined;
    beforeAll(async () => {
      if (typechecked) server = await startDevServer({}, { cwd: copy });
    });
    afterAll(() => server?.stop());

    it("lists each new program with its form fields and runs it from the command line", async () => {
      if (!server) throw new Error("not served: the copy does not type-check (see the test above)");
      const { programs } = (await (await fetch(`${server.url}/api/programs`)).json()) as {
        programs: { name: string; module: string; demo: boolean; signature: { inputs: { name: string }[] } }[];
      };
      for (const c of made) {
        const info = programs.find((p) => p.name === c.name);
        expect(info, c.name).toBeDefined();
        expect(info!.module).toBe(c.module);
        expect(info!.demo).toBe(true);
        expect(info!.signature.inputs.map((f) => f.name)).toEqual(inputsFor(c.signature).map((p) => p.slice(0, p.indexOf("="))));
        const r = await runCli(["call", c.name, ...inputsFor(c.signature), "--url", server.url]);
        expect(r.stderr, c.name).toBe("");
        expect(r.code, c.name).toBe(0);
        expect(r.stdout, c.name).toMatch(/\n(answer|sentiment): \S/);
      }
      const page = await fetch(server.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("app.js");
    });

    it.skipIf(!hasState)(`--state: the saved demos reach the prompt${hasState ? "" : ` (${STATE_MISSING})`}`, async () => {
      if (!server) throw new Error("not served: the copy does not type-check (see the test above)");
      const r = await runCli(["call", "fewshot", "question=What is 2 + 3?", "--url", server.url, "--json"]);
      expect(r.code).toBe(0);
      const start = r.stdout.split("\n").map((l) => l && JSON.parse(l)).find((e) => e?.type === "lm_start");
      expect(JSON.stringify(start.messages)).toContain("How many legs does a spider have?");
    });
  });

  // When present, `parallel` is one of the cases above; until then the report says why it is missing.
  if (!hasParallel) it.skip(`--module parallel: ${PARALLEL_MISSING}`, () => {});
});
