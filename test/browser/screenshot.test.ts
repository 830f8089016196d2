// The README's screenshots: a ReAct run as the page shows it, at 1440 and 390 px, light and
// dark, and a few frames of the same run while it streams. Every run saves them under
// test-results/; `npm run screenshot` (UPDATE_SCREENSHOT=1) also writes them to docs/, so a
// plain `npm test` leaves the work tree clean.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Locator, Page } from "playwright-core";
import { beforeAll, expect, inject, it } from "vitest";
import { usePage } from "./browser";
import { domTree, expectShownExactlyOnce, fetchLog, runIdOf } from "./helpers";

const baseURL = inject("baseURL");
const root = resolve(import.meta.dirname, "../..");
const ui = usePage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1, colorScheme: "light" });
let react: { name: string; inputs: string[] } | undefined;

/** Saves `name` under test-results/, and under docs/ when asked to refresh the README's images. */
async function save(name: string, shoot: (path: string) => Promise<unknown>): Promise<void> {
  const dirs = [resolve(root, "test-results"), ...(process.env.UPDATE_SCREENSHOT ? [resolve(root, "docs")] : [])];
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    await shoot(resolve(dir, name));
  }
}

const fullPage = (page: Page) => (path: string) => page.screenshot({ path, fullPage: true });
const element = (el: Locator) => (path: string) => el.screenshot({ path });

beforeAll(async () => {
  const { programs } = (await (await fetch(`${baseURL}/api/programs`)).json()) as {
    programs: { name: string; module: string; signature: { inputs: { name: string }[] } }[];
  };
  const p = programs.find((p) => p.module === "ReAct");
  react = p && { name: p.name, inputs: p.signature.inputs.map((f) => f.name) };
});

it("a ReAct run: frames while it streams, then finished at 1440 and 390 px, light and dark", async () => {
  if (!react) throw new Error("the server lists no ReAct program");
  const { page, errors } = ui;
  await page.goto(`${baseURL}/?program=${react.name}`);
  await page.locator(`[data-field="${react.inputs[0]}"]`).fill("What is 17 * 23, and how many metres is that many feet?");
  await page.locator("[data-role=run]").click();

  // Frames of the live run: the first step streaming, a tool's result, the answer being written.
  const run = page.locator("#run");
  await page.locator("#run li.node[data-kind=lm] > .n-live").filter({ hasText: /\S{12}/ }).first().waitFor();
  await save("live-react-1.png", element(run));
  await page.locator("#run li.node[data-kind=tool][data-status=ok]").first().waitFor();
  await save("live-react-2.png", element(run));
  await page.locator('#run li.node[data-name$=".extract.predict"] li.node[data-kind=lm]').waitFor();
  await save("live-react-3.png", element(run));

  await expect.poll(() => run.getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  const runId = await runIdOf(page);
  const log = await fetchLog(baseURL, runId);
  await expectShownExactlyOnce(page, log);

  // Tool calls sit under the ReAct module, between its steps, as in DSPy's trace.
  const tree = await domTree(page);
  expect(tree).toHaveLength(1);
  expect(tree[0].kind).toBe("module");
  const tools = tree[0].children.filter((n) => n.kind === "tool").map((n) => n.name);
  expect(tools.length).toBeGreaterThan(0);
  expect(tools).toEqual(log.filter((e) => e.type === "tool_start").map((e) => e.name));

  // The agent selected: its numbered trajectory in the side pane. Then the recent-runs list settles.
  await page.locator("#run .tree > li.node > .n-row").click();
  await page.locator("#run .detail-pane .d-step").first().waitFor();
  await page.locator(`[data-role=recent-runs] [data-run-id="${runId}"]`).waitFor();
  await save("screenshot.png", fullPage(page));

  // The same run replayed from its permalink, dark, then on a phone in both themes.
  for (const [width, scheme, name] of [
    [1440, "dark", "screenshot-dark.png"],
    [390, "light", "screenshot-phone.png"],
    [390, "dark", "screenshot-phone-dark.png"],
  ] as const) {
    await page.setViewportSize({ width, height: width < 500 ? 844 : 1000 });
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${baseURL}/runs/${runId}`);
    await expect.poll(() => run.getAttribute("data-status")).toBe("succeeded");
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
    if (width > 500) await page.locator("#run .tree > li.node > .n-row").click();
    await page.locator(`[data-role=recent-runs] [data-run-id="${runId}"]`).waitFor();
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await save(name, fullPage(page));
  }
  expect(errors).toEqual([]);
});
