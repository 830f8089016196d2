// The README's screenshot: a finished ReAct run (tools, steps, answer) as the page shows it.
// Every run saves it under test-results/; `npm run screenshot` (UPDATE_SCREENSHOT=1) also
// replaces docs/screenshot.png, so a plain `npm test` leaves the work tree clean.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, expect, inject, it } from "vitest";
import { usePage } from "./browser";
import { domTree, expectShownExactlyOnce, fetchLog, runIdOf } from "./helpers";

const baseURL = inject("baseURL");
const root = resolve(import.meta.dirname, "../..");
const outs = [resolve(root, "test-results/react-run.png"), ...(process.env.UPDATE_SCREENSHOT ? [resolve(root, "docs/screenshot.png")] : [])];
const ui = usePage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1, colorScheme: "light" });
let react: { name: string; inputs: string[] } | undefined;

beforeAll(async () => {
  const { programs } = (await (await fetch(`${baseURL}/api/programs`)).json()) as {
    programs: { name: string; module: string; signature: { inputs: { name: string }[] } }[];
  };
  const p = programs.find((p) => p.module === "ReAct");
  react = p && { name: p.name, inputs: p.signature.inputs.map((f) => f.name) };
});

it("a finished ReAct run: tool calls nested under the agent, the answer, saved as the README's screenshot", async () => {
  if (!react) throw new Error("the server lists no ReAct program");
  const { page, errors } = ui;
  await page.goto(`${baseURL}/?program=${react.name}`);
  await page.locator(`[data-field="${react.inputs[0]}"]`).fill("What is 17 * 23, and how many metres is that many feet?");
  await page.locator("[data-role=run]").click();
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  const runId = await runIdOf(page);
  const log = await fetchLog(baseURL, runId);
  await expectShownExactlyOnce(page, log);

  // Tool calls sit under the ReAct module, between its steps, as in DSPy's trace.
  const tree = await domTree(page);
  expect(tree).toHaveLength(1);
  expect(tree[0].kind).toBe("module");
  const tools = tree[0].children.filter((n) => n.kind === "tool").map((n) => n.name);
  expect(tools.length).toBeGreaterThan(0);
  const started = log.filter((e) => e.type === "tool_start").map((e) => e.name);
  expect(tools).toEqual(started);

  // Open one tool call so its arguments and result show, then let the recent-runs list settle.
  await page.locator("#run li.node[data-kind=tool] > .n-row").first().click();
  await page.locator(`[data-role=recent-runs] [data-run-id="${runId}"]`).waitFor();
  for (const out of outs) {
    mkdirSync(resolve(out, ".."), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
  }
  expect(errors).toEqual([]);
});
