// Finding a run: rows that tell runs apart (input, status, error, mode), search over
// inputs and outputs, a status filter, older runs paged in; feedback on a run shown in
// the list and in metrics; metrics per time window with cost marked as an estimate.
import type { Locator, Page } from "playwright-core";
import { expect, inject, it } from "vitest";
import { usePage } from "./browser";
import { fill, runIdOf, serverRun } from "./helpers";

const baseURL = inject("baseURL");
const ui = usePage();

const tagged = () => `zq${Math.random().toString(36).slice(2, 8)}`;
const rows = (page: Page) => page.locator("[data-role=recent-runs] li.rr");

/** Searches (and filters) the runs list and waits until it shows that search's results. */
async function search(page: Page, q: string, status = ""): Promise<void> {
  if ((await page.locator("[data-role=run-status-filter]").inputValue()) !== status) await page.locator("[data-role=run-status-filter]").selectOption(status);
  await page.locator("[data-role=run-search]").fill(q);
  await page.locator(`[data-role=recent-runs][data-q="${q}"][data-status="${status}"]:not([aria-busy])`).waitFor();
}

/** Inside the window the user sees, not just in the DOM. */
async function inViewport(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const view = page.viewportSize()!;
  return !!box && box.width > 0 && box.y >= 0 && box.y + box.height <= view.height && box.x >= 0 && box.x + box.width <= view.width;
}

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${baseURL}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

it("rows show input, status, error and mode; search, the status filter and paging find any run", async () => {
  const { page, errors } = ui;
  const tag = tagged();
  const answers = await Promise.all(Array.from({ length: 21 }, (_, i) => post("/qa", { question: `${tag} question number ${i}?` })));
  expect(answers.map((r) => r.status)).toEqual(Array(21).fill(200));
  // A durable run cancelled at once: the newest row, with an error to show.
  const { run_id: stopped } = (await (await post("/api/runs", { program: "qa", inputs: { question: `${tag} stop me` } })).json()) as { run_id: string };
  await post(`/api/runs/${stopped}/cancel`, {});
  await expect.poll(async () => (await serverRun(baseURL, stopped)).status, { timeout: 30_000 }).toBe("cancelled");

  await page.goto(`${baseURL}/?program=qa`);
  await search(page, tag);
  expect(await rows(page).count()).toBe(20);
  const first = rows(page).first();
  expect(await first.locator(".rr-status").textContent()).toBe("cancelled");
  expect(await first.locator(".rr-mode").textContent()).toBe("durable");
  expect(await first.locator("[data-role=rr-input]").textContent()).toBe(`${tag} stop me`);
  expect(await first.locator("[data-role=rr-error]").textContent()).toMatch(/^RunCancelled: /);
  expect(await inViewport(page, first.locator("[data-role=rr-input]"))).toBe(true);
  const second = rows(page).nth(1);
  expect(await second.locator("[data-role=rr-input]").textContent()).toMatch(new RegExp(`^${tag} question number \\d+\\?$`));
  expect(await second.locator(".rr-mode").textContent()).toBe("sync");
  expect(await second.locator("[data-role=rr-error]").count()).toBe(0);
  expect(await second.locator(".rr-facts").textContent()).toMatch(/\d+ tok · \$0/);

  // Older runs page in below, none twice.
  await page.locator("[data-role=more-runs]").click();
  await expect.poll(() => rows(page).count()).toBe(22);
  expect(await page.locator("[data-role=more-runs]").isHidden()).toBe(true);
  const ids = await rows(page).locator("a").evaluateAll((as) => as.map((a) => (a as HTMLElement).dataset.runId));
  expect(new Set(ids).size).toBe(22);

  // The status filter and a word of one input narrow it down.
  await search(page, tag, "cancelled");
  expect(await rows(page).locator("a").evaluateAll((as) => as.map((a) => (a as HTMLElement).dataset.runId))).toEqual([stopped]);
  await search(page, `${tag} question number 17`);
  expect(await rows(page).locator("[data-role=rr-input]").allTextContents()).toEqual([`${tag} question number 17?`]);
  // Outputs are searched too: only the demo's answers say "(demo) A short answer about <tag> …".
  await search(page, `short answer about ${tag}`);
  expect(await rows(page).count()).toBe(20);
  expect(await rows(page).locator("[data-role=rr-input]").allTextContents()).not.toContain(`${tag} stop me`);
  await search(page, `${tag} nothing like this`);
  expect(await page.locator("[data-role=no-runs]").textContent()).toBe("No runs match.");
  expect(errors).toEqual([]);
});

it("thumbs and a note are saved with the run, shown in its row and counted in metrics over a time window", async () => {
  const { page, errors } = ui;
  const tag = tagged();
  await page.goto(`${baseURL}/?program=qa`);
  await fill(page, "question", `${tag} Who was Ada Lovelace?`);
  await page.locator("[data-role=run]").click();
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  const runId = await runIdOf(page);

  await page.locator("#run [data-role=feedback-up]").click();
  await expect.poll(() => page.locator("#run [data-role=feedback-status]").textContent()).toBe("saved");
  expect(await page.locator("#run [data-role=feedback-up]").getAttribute("aria-pressed")).toBe("true");
  await page.locator("#run [data-role=feedback-note-toggle]").click();
  expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.role)).toBe("feedback-note");
  await page.keyboard.type("names her work on the Analytical Engine");
  await page.locator("#run [data-role=feedback-save]").click();
  await expect.poll(() => page.locator("#run [data-role=feedback-status]").textContent()).toBe("saved with note");

  const summary = (await (await fetch(`${baseURL}/api/runs/${runId}`)).json()) as { feedback: { rating: string; note: string } };
  expect(summary.feedback).toMatchObject({ rating: "up", note: "names her work on the Analytical Engine" });
  // The row in the runs list carries the thumb, the note as its tooltip.
  const mark = page.locator(`[data-role=recent-runs] a[data-run-id="${runId}"] [data-role=rr-feedback]`);
  await expect.poll(() => mark.textContent()).toBe("✓ good");
  expect(await mark.getAttribute("title")).toBe("names her work on the Analytical Engine");

  // Metrics: the last hour, split by status, cost marked as an estimate from a dated price table.
  await page.locator('[data-window="hour"]').click();
  expect(await page.locator('[data-window="hour"]').getAttribute("aria-pressed")).toBe("true");
  const { metrics } = (await (await fetch(`${baseURL}/api/programs/qa/metrics?window=hour`)).json()) as { metrics: { feedback: { up: number }; succeeded: number; prices_version: string } };
  const tile = (key: string) => page.locator(`[data-role=metrics] [data-metric="${key}"]`);
  await expect.poll(() => tile("feedback").locator("dd").textContent()).toMatch(new RegExp(`^✓ ${metrics.feedback.up} · ✗ \\d+$`));
  expect(metrics.feedback.up).toBeGreaterThanOrEqual(1);
  expect(await tile("succeeded").locator("dd").textContent()).toBe(String(metrics.succeeded));
  expect(await tile("p50").locator("dt").textContent()).toBe("p50 ok");
  expect(await tile("p50").getAttribute("title")).toMatch(/succeeded runs$/);
  expect(await tile("cost").locator("dt").textContent()).toBe("cost (est.)");
  expect(await tile("cost").locator("dd").textContent()).toBe("$0");
  expect(await tile("cost").getAttribute("title")).toContain(`price table ${metrics.prices_version}`);
  expect(await inViewport(page, tile("cost"))).toBe(true);
  expect(errors).toEqual([]);
});
