// A run survives the page losing it: a network drop mid-run, or a reload of the permalink,
// resumes from the last applied seq, and every event ends up on the page exactly once.
import type { Page } from "playwright-core";
import { expect, inject, it } from "vitest";
import { collectErrors, usePage } from "./browser";
import { domTree, expectShownExactlyOnce, fetchLog, fill, runIdOf, serverRun, shape } from "./helpers";

const baseURL = inject("baseURL");
const ui = usePage();

async function startRun(): Promise<string> {
  const { page } = ui;
  await page.goto(`${baseURL}/?program=reason`);
  await fill(page, "question", "Why is the sky blue?");
  await page.locator("[data-role=run]").click();
  // Wait until the LM is streaming: part of the run is on the page, part is still to come.
  await page.locator("#run li.node[data-kind=lm] > .n-live").filter({ hasText: /\S{3}/ }).waitFor();
  const runId = await runIdOf(page);
  expect(await page.locator("#run").getAttribute("data-status")).toBe("running");
  return runId;
}

const shownSeq = (p: Page) => p.locator("#run table.events tbody tr").count();

it("going offline mid-run shows reconnecting, then resumes with nothing lost or doubled", async () => {
  const { context, page, errors } = ui;
  const runId = await startRun();
  await context.setOffline(true);
  await expect.poll(() => page.locator("#run").getAttribute("data-conn")).toBe("reconnecting");
  await expect.poll(() => page.locator("#run [data-role=conn]").textContent()).toMatch(/reconnecting/);
  const seenOffline = await shownSeq(page);
  // Offline is not a slow model: while reconnecting, the elapsed time and the rate stand still.
  const clocks = () => page.locator("#run").evaluate((run) => [
    run.querySelector(".meta-item[title=duration]")?.textContent,
    run.querySelector("li.node.open[data-kind=lm] > .n-row .n-stats")?.textContent,
    run.querySelector("li.node.open[data-kind=lm] > .n-row .n-dur")?.textContent,
  ]);
  const frozen = await clocks();
  await page.waitForTimeout(600);
  expect(await clocks()).toEqual(frozen);
  // The run goes on without the page: wait until the server has events the page has not.
  await expect.poll(async () => (await serverRun(baseURL, runId)).events, { timeout: 30_000 }).toBeGreaterThan(seenOffline + 5);
  expect(await shownSeq(page)).toBe(seenOffline);
  await context.setOffline(false);

  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  const log = await fetchLog(baseURL, runId);
  expect(log.length).toBeGreaterThan(seenOffline);
  await expectShownExactlyOnce(page, log);
  expect(shape(await domTree(page))).toEqual([["module", [["module", ["format", "lm", "parse"]]]]]);
  expect(await page.locator("#run [data-role=conn]").isHidden()).toBe(true);
  // Only the expected network failures while offline; nothing from the page's own code.
  expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource|net::/.test(e))).toEqual([]);
});

it("reloading the permalink mid-run replays the run and follows it live to the end", async () => {
  const { page, errors } = ui;
  const runId = await startRun();
  const before = await shownSeq(page);
  await page.reload();
  expect(new URL(page.url()).pathname).toBe(`/runs/${runId}`);
  // The page is back while the run still goes on: this is replay *then* live, not just a replay.
  expect((await serverRun(baseURL, runId)).status).toBe("running");
  await expect.poll(() => page.locator("#run").getAttribute("data-run-id")).toBe(runId);
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  const log = await fetchLog(baseURL, runId);
  expect(log.length).toBeGreaterThan(before);
  await expectShownExactlyOnce(page, log);
  // The form holds the run's inputs again, and the answer is shown.
  expect(await page.locator('[data-field="question"]').inputValue()).toBe("Why is the sky blue?");
  const end = log.at(-1)!;
  if (end.type !== "run_end") throw new Error("log does not end with run_end");
  expect(await page.locator('[data-output="answer"]').textContent()).toBe(String(end.outputs!.answer));
  expect(errors).toEqual([]);
});

it("opening a finished run's permalink (or /?run=) replays it in full", async () => {
  const { context, page } = ui;
  const runId = await startRun();
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  const log = await fetchLog(baseURL, runId);
  for (const url of [`${baseURL}/runs/${runId}`, `${baseURL}/?run=${runId}`]) {
    const other = await context.newPage();
    await other.goto(url);
    await expect.poll(() => other.locator("#run").getAttribute("data-status")).toBe("succeeded");
    await expectShownExactlyOnce(other, log);
    await other.close();
  }
});

it("a background (durable) run finishes with the tab closed; its permalink then shows all of it", async () => {
  const { context, page } = ui;
  await page.goto(`${baseURL}/?program=reason`);
  await fill(page, "question", "What is the boiling point of water?");
  await page.locator("label[for=background-toggle]").click();
  const started = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/api/runs");
  await page.locator("[data-role=run]").click();
  expect((await started).status()).toBe(202);
  await page.locator("#run li.node[data-kind=lm] > .n-live").filter({ hasText: /\S{3}/ }).waitFor();
  const runId = await runIdOf(page);
  await page.close();
  await expect.poll(async () => (await serverRun(baseURL, runId)).status, { timeout: 60_000 }).toBe("succeeded");

  const again = await context.newPage();
  const againErrors = collectErrors(again);
  await again.goto(`${baseURL}/runs/${runId}`);
  await expect.poll(() => again.locator("#run").getAttribute("data-status")).toBe("succeeded");
  await expectShownExactlyOnce(again, await fetchLog(baseURL, runId));
  expect(shape(await domTree(again))).toEqual([["module", [["module", ["format", "lm", "parse"]]]]]);
  expect(againErrors).toEqual([]);
});
