// `dspy-edge new <name> "<signature>" --module <kind>`: writes src/programs/<name>.ts in the style of the
// examples and lists it in src/programs/index.ts, after checking the name (free, URL-safe) and the
// signature (parsed by the runtime's own parser) so the result type-checks and serves at once.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { Signature } from "../dspy/signature";
import { programNameProblem } from "../programs/names";
import { CliError } from "./errors";

export const MODULE_KINDS = ["predict", "cot", "react", "pot", "best", "refine", "mcc", "parallel"] as const;
export type ModuleKind = (typeof MODULE_KINDS)[number];

export interface ScaffoldOptions {
  cwd: string;
  name: string;
  signature: string;
  module: string;
  /** A DSPy saved-state JSON file (`program.save("x.json")`), loaded into the program. */
  state?: string;
  description?: string;
}

export interface Scaffolded {
  /** Paths relative to the project root. */
  file: string;
  registry: string;
  stateFile: string | null;
  /** `question="…"` for each input: how to call it. */
  example: string;
}

const DESCRIBE: Record<ModuleKind, string> = {
  predict: "Predict",
  cot: "ChainOfThought",
  react: "ReAct",
  pot: "ProgramOfThought",
  best: "BestOfN over ChainOfThought",
  refine: "Refine over ChainOfThought",
  mcc: "MultiChainComparison",
  parallel: "three ChainOfThought attempts in Parallel, majority vote",
};

/** The project the command runs in: the nearest directory up from cwd with src/programs/index.ts. */
export function projectRoot(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "src/programs/index.ts")) && existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) {
      throw new CliError(`dspy-edge new runs inside a dspy-edge project: no src/programs/index.ts in ${resolve(cwd)} or above`);
    }
  }
}

/** Every program name declared in src/programs (examples included), by their `name: "…"` in defineProgram. */
export function declaredNames(programsDir: string): Map<string, string> {
  const names = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith(".ts")) {
        const text = readFileSync(path, "utf8");
        for (const m of text.matchAll(/defineProgram\(\s*\{[\s\S]*?\bname:\s*(["'`])([^"'`]+)\1/g)) names.set(m[2], path);
      }
    }
  };
  walk(programsDir);
  return names;
}

/** JavaScript's reserved words, and the names index.ts and the templates below use themselves. */
const TAKEN_IDENTIFIERS = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "import in instanceof new null return super switch this throw true try typeof var void while with yield let static " +
    "implements interface package private protected public await arguments eval " +
    "programs Program defineProgram reward tools task mostAgreed saved").split(" "),
);

/** `summarize-text` → `summarizeText`, never a reserved word or a name index.ts or the file already uses. */
export function identifierFor(name: string): string {
  const camel = name.replace(/[-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/[-_]/g, "");
  return TAKEN_IDENTIFIERS.has(camel) ? `${camel}Program` : camel;
}

function className(name: string, suffix: string): string {
  const id = identifierFor(name).replace(/Program$/, "");
  return id[0].toUpperCase() + id.slice(1) + suffix;
}

function parseSignature(text: string): Signature {
  let signature: Signature;
  try {
    signature = new Signature(text);
  } catch (e) {
    throw new CliError(`Invalid signature "${text}": ${e instanceof Error ? e.message : String(e)}\nExamples: "question -> answer", "context: list[str], question: str -> answer: str, confidence: float"`);
  }
  if (signature.inputFields.length === 0) throw new CliError(`Invalid signature "${text}": it has no input fields (write them before ->)`);
  if (signature.outputFields.length === 0) throw new CliError(`Invalid signature "${text}": it has no output fields (write them after ->)`);
  return signature;
}

function readState(cwd: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, path), "utf8");
  } catch (e) {
    throw new CliError(`--state ${path}: cannot read it (${e instanceof Error ? e.message : String(e)})`);
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (e) {
    throw new CliError(`--state ${path}: not JSON (${e instanceof Error ? e.message : String(e)}); pass the file DSPy's program.save("….json") wrote`);
  }
  // DSPy saves one entry per predictor, by its path ("predict", "extract.predict"), next to "metadata".
  const predictors = Object.entries(typeof state === "object" && state !== null && !Array.isArray(state) ? state : {}).filter(
    ([key, value]) => key !== "metadata" && typeof value === "object" && value !== null && ("demos" in value || "signature" in value),
  );
  if (predictors.length === 0) {
    throw new CliError(
      `--state ${path}: expected DSPy's saved state, {"<predictor>": {"demos": […], "signature": {…}}, "metadata": {…}}, as program.save("….json") writes it`,
    );
  }
  return state;
}

/** Refuses what this project's runtime cannot compile yet, rather than writing a file that fails typecheck. */
function requireRuntime(root: string, kind: ModuleKind, withState: boolean): void {
  const parallel = join(root, "src/dspy/parallel.ts");
  if (kind === "parallel" && !(existsSync(parallel) && /export class Parallel\b/.test(readFileSync(parallel, "utf8")))) {
    throw new CliError("--module parallel needs `Parallel` from src/dspy/parallel.ts, which this project does not have yet");
  }
  if (withState && !/^\s*state\??:/m.test(readFileSync(join(root, "src/programs/define.ts"), "utf8"))) {
    throw new CliError("--state needs defineProgram({ state }) (src/programs/define.ts), which this project does not have yet");
  }
}

/** Adds `import { id } from "./name";` and `id` to the `programs` list; throws before writing when the list is not found. */
export function register(indexSource: string, id: string, name: string): string {
  const list = /(export const programs: Program\[\] = \[)([\s\S]*?)(\];)/.exec(indexSource);
  if (!list) throw new CliError(`src/programs/index.ts has no \`export const programs: Program[] = [...]\` to add ${id} to; add it by hand`);
  const items = list[2].split(",").map((s) => s.trim()).filter(Boolean);
  const listed = indexSource.slice(0, list.index) + list[1] + [...items, id].join(", ") + list[3] + indexSource.slice(list.index + list[0].length);
  const imports = [...listed.matchAll(/^import [^;]*;\n/gm)];
  const at = imports.length ? imports[imports.length - 1].index! + imports[imports.length - 1][0].length : 0;
  return listed.slice(0, at) + `import { ${id} } from "./${name}";\n` + listed.slice(at);
}

export function scaffold(options: ScaffoldOptions): Scaffolded {
  const { name } = options;
  if (!(MODULE_KINDS as readonly string[]).includes(options.module)) {
    throw new CliError(`new: --module must be one of ${MODULE_KINDS.join(", ")}${options.module ? `, not "${options.module}"` : ""}`);
  }
  const kind = options.module as ModuleKind;
  const nameProblem = programNameProblem(name);
  if (nameProblem) throw new CliError(nameProblem);
  const root = projectRoot(options.cwd);
  const programsDir = join(root, "src/programs");
  const file = join(programsDir, `${name}.ts`);
  const stateFile = options.state ? join(programsDir, `${name}.json`) : null;
  const taken = declaredNames(programsDir).get(name);
  if (taken) throw new CliError(`A program named "${name}" already exists (${relative(root, taken)}); pick another name`);
  for (const path of [file, stateFile]) {
    if (path && existsSync(path)) throw new CliError(`${relative(root, path)} already exists; pick another name`);
  }
  const signature = parseSignature(options.signature);
  const state = options.state ? readState(options.cwd, options.state) : null;
  requireRuntime(root, kind, state !== null);
  const indexPath = join(programsDir, "index.ts");
  const id = identifierFor(name);
  const index = register(readFileSync(indexPath, "utf8"), id, name);

  const source = programSource({ kind, name, id, signature: options.signature, parsed: signature, description: options.description, state: state !== null });
  writeFileSync(file, source, { flag: "wx" });
  if (stateFile) writeFileSync(stateFile, JSON.stringify(state, null, 2) + "\n", { flag: "wx" });
  writeFileSync(indexPath, index);
  return {
    file: relative(root, file),
    registry: relative(root, indexPath),
    stateFile: stateFile && relative(root, stateFile),
    example: signature.inputFields.map((f) => `${f.name}="…"`).join(" "),
  };
}

interface Template {
  kind: ModuleKind;
  name: string;
  id: string;
  /** The signature as the user wrote it (the runtime parses it again at start-up). */
  signature: string;
  parsed: Signature;
  description?: string;
  state: boolean;
}

/** The program file: imports, any helper the module needs, and one defineProgram call. */
export function programSource(t: Template): string {
  const sig = JSON.stringify(t.signature);
  // The first output is usually the answer: what a reward reads and a vote counts.
  const main = t.parsed.outputFields[0].name;
  const description = t.description ?? `${t.parsed.inputFields.map((f) => f.name).join(", ")} → ${t.parsed.outputFields.map((f) => f.name).join(", ")} (${DESCRIBE[t.kind]}).`;
  const imports = new Set<string>();
  const body: string[] = [];
  let module: string;
  let extra = "";
  const rewardFn = () => {
    imports.add(`import type { Inputs } from "../dspy/module";`);
    imports.add(`import type { Prediction } from "../dspy/prediction";`);
    body.push(
      `/** An attempt's reward from 0 to 1 (here: 1 once \`${main}\` is filled in). Say what "better" means for your task. */`,
      `function reward(_inputs: Inputs, prediction: Prediction): number {`,
      `  return String(prediction.get(${JSON.stringify(main)}) ?? "").trim() ? 1 : 0;`,
      `}`,
      ``,
    );
  };
  switch (t.kind) {
    case "predict":
      imports.add(`import { Predict } from "../dspy/predict";`);
      module = `new Predict(${sig})`;
      break;
    case "cot":
      imports.add(`import { ChainOfThought } from "../dspy/chain-of-thought";`);
      module = `new ChainOfThought(${sig})`;
      break;
    case "react":
      imports.add(`import { ReAct } from "../dspy/react";`);
      imports.add(`import { calculator } from "./tools/calculator";`);
      imports.add(`import { encyclopedia } from "./tools/encyclopedia";`);
      body.push(`// The tools the agent may call; write your own with \`new Tool(fn, { name, desc, args })\` (src/programs/tools).`, `const tools = [calculator, encyclopedia];`, ``);
      module = `new ReAct(${sig}, { tools, maxIters: 6 })`;
      break;
    case "pot":
      imports.add(`import { ProgramOfThought } from "../dspy/program-of-thought";`);
      module = `new ProgramOfThought(${sig}, { maxIters: 3 })`;
      break;
    case "best":
      imports.add(`import { BestOfN } from "../dspy/best-of-n";`);
      imports.add(`import { ChainOfThought } from "../dspy/chain-of-thought";`);
      rewardFn();
      module = `new BestOfN(new ChainOfThought(${sig}), { n: 3, rewardFn: reward, threshold: 1 })`;
      break;
    case "refine":
      imports.add(`import { ChainOfThought } from "../dspy/chain-of-thought";`);
      imports.add(`import { Refine } from "../dspy/refine";`);
      rewardFn();
      module = `new Refine(new ChainOfThought(${sig}), { n: 3, rewardFn: reward, threshold: 1 })`;
      break;
    case "mcc": {
      const cls = className(t.name, "Comparison");
      imports.add(`import { ChainOfThought } from "../dspy/chain-of-thought";`);
      imports.add(`import { type CallOptions, type Inputs, Module } from "../dspy/module";`);
      imports.add(`import { MultiChainComparison } from "../dspy/multi-chain-comparison";`);
      imports.add(`import type { Prediction } from "../dspy/prediction";`);
      imports.add(`import { type Field, Signature } from "../dspy/signature";`);
      body.push(
        `const task = new Signature(${sig});`,
        ``,
        `/** Three reasoning attempts in one LM call (n=3), then a comparison that settles on one answer. */`,
        `class ${cls} extends Module {`,
        `  static override readonly className = ${JSON.stringify(cls)};`,
        `  readonly attempts = new ChainOfThought(task);`,
        `  readonly compare = new MultiChainComparison(task, { M: 3 });`,
        ``,
        `  /** The comparison's answer is the result: \`rationale\`, then the signature's outputs. */`,
        `  override resultFields(): readonly Field[] {`,
        `    return this.compare.resultFields();`,
        `  }`,
        ``,
        `  override async forward(inputs: Inputs, options?: CallOptions): Promise<Prediction> {`,
        `    const drafts = await this.attempts.call(inputs, { config: { n: 3, temperature: 0.9 } });`,
        `    return this.compare.call({ ...inputs, completions: drafts.completions }, options);`,
        `  }`,
        `}`,
        ``,
      );
      module = `new ${cls}()`;
      extra = `  signature: task,\n`;
      break;
    }
    case "parallel": {
      const cls = className(t.name, "Vote");
      imports.add(`import { ChainOfThought } from "../dspy/chain-of-thought";`);
      imports.add(`import { type Inputs, Module } from "../dspy/module";`);
      imports.add(`import { Parallel } from "../dspy/parallel";`);
      imports.add(`import type { Prediction } from "../dspy/prediction";`);
      imports.add(`import { type Field, Signature } from "../dspy/signature";`);
      body.push(
        `const task = new Signature(${sig});`,
        ``,
        `/** The prediction whose \`${main}\` most predictions agree on (the first of them on a tie). */`,
        `function mostAgreed(predictions: Prediction[]): Prediction {`,
        `  const votes = new Map<string, { prediction: Prediction; count: number }>();`,
        `  for (const prediction of predictions) {`,
        `    const key = JSON.stringify(prediction.get(${JSON.stringify(main)}));`,
        `    const vote = votes.get(key) ?? { prediction, count: 0 };`,
        `    vote.count++;`,
        `    votes.set(key, vote);`,
        `  }`,
        `  return [...votes.values()].reduce((best, vote) => (vote.count > best.count ? vote : best)).prediction;`,
        `}`,
        ``,
        `/** Three reasoning attempts at once (Parallel), then the answer most of them agree on. */`,
        `class ${cls} extends Module {`,
        `  static override readonly className = ${JSON.stringify(cls)};`,
        `  readonly attempts = [0, 1, 2].map(() => new ChainOfThought(task, { temperature: 0.7 }));`,
        ``,
        `  override resultFields(): readonly Field[] {`,
        `    return this.attempts[0].resultFields();`,
        `  }`,
        ``,
        `  override async forward(inputs: Inputs): Promise<Prediction> {`,
        `    const results = await new Parallel({ numThreads: 3 }).call(this.attempts.map((attempt) => [attempt, inputs] as const));`,
        `    const answered = results.filter((r): r is Prediction => r !== null);`,
        `    if (answered.length === 0) throw new Error(\`${cls}: every attempt failed\`);`,
        `    return mostAgreed(answered);`,
        `  }`,
        `}`,
        ``,
      );
      module = `new ${cls}()`;
      extra = `  signature: task,\n`;
      break;
    }
  }
  imports.add(`import { defineProgram } from "./define";`);
  if (t.state) {
    imports.add(`// DSPy's saved state (program.save("….json")): demos and instructions per predictor.`);
    imports.add(`import saved from "./${t.name}.json";`);
    extra += `  state: saved,\n`;
  }
  return [
    `// ${description}`,
    `// Scaffolded by \`dspy-edge new\`; served as POST /${t.name} once listed in ./index.ts.`,
    ...imports,
    ``,
    ...body,
    `export const ${t.id} = defineProgram({`,
    `  name: ${JSON.stringify(t.name)},`,
    `  description: ${JSON.stringify(description)},`,
    `  module: () => ${module},`,
    extra + `});`,
    ``,
  ].join("\n");
}
