// A first visit: examples that run and come out right, readable instructions and typed
// signature chips, the module badge the docs name, a live run that survives a look at
// another program, permalinks that say whether the run is durable, and a clear view for
// a run id that does not exist.
import { expect, inject, it } from "vitest";
import { usePage } from "./browser";
import { expectShownExactlyOnce, fetchLog, fill, runIdOf } from "./helpers";

const baseURL = inject("baseURL");
const ui = usePage();

it("Try an example fills the form and runs it, and the demo LM gets it right (15% of 240 is 36)", async () => {
  const { page, errors } = ui;
  await page.goto(`${baseURL}/?program=math`);
  const programs = (await (await fetch(`${baseURL}/api/programs`)).json()) as { programs: { name: string; examples: unknown[] }[] };
  // Every program offers examples, and its page shows one link per example.
  for (const p of programs.programs) expect(p.examples.length, p.name).toBeGreaterThanOrEqual(2);
  expect(await page.locator("[data-role=examples] [data-example]").allTextContents()).toEqual(["What is 15% of 240?", "What is 2^10 + 5?"]);
  await page.locator("[data-role=try-example]").click();
  expect(await page.locator("[data-field=question]").inputValue()).toBe("What is 15% of 240?");
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  expect(await page.locator('[data-output="answer"]').textContent()).toBe("36");
  // The run's cost, marked as an estimate (the demo LM is free).
  const cost = page.locator("#run [data-role=run-cost]");
  await expect.poll(() => cost.textContent()).toBe("$0 est.");
  expect(await cost.getAttribute("title")).toMatch(/^Estimated from list prices \(price table \d{4}-\d{2}\)/);
  // An example link only fills the form (and focuses it) without running.
  const runId = await runIdOf(page);
  await page.locator('[data-example="1"]').click();
  expect(await page.locator("[data-field=question]").inputValue()).toBe("What is 2^10 + 5?");
  expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.field)).toBe("question");
  expect(await runIdOf(page)).toBe(runId);
  expect(errors).toEqual([]);
});

it("instructions show code, not backticks; signature chips carry output types; compare's badge is MultiChainComparison", async () => {
  const { page, errors } = ui;
  await page.goto(`${baseURL}/?program=math`);
  const instructions = page.locator("[data-role=instructions]");
  expect(await instructions.textContent()).not.toContain("`");
  expect(await instructions.locator("code").allTextContents()).toEqual(expect.arrayContaining(["question", "answer"]));
  expect(await page.locator('[data-role=signature] [data-field-chip="answer"]').textContent()).toBe("answer: float");
  expect(await page.locator('[data-role=signature] [data-field-chip="question"]').textContent()).toBe("question: str");
  expect(await page.locator('.program[data-program="math"] .p-sig').textContent()).toBe("question -> answer: float");

  await page.locator('.program[data-program="compare"]').click();
  expect(await page.locator(".pv-head .badge").first().textContent()).toBe("MultiChainComparison");
  expect(await page.locator('.program[data-program="compare"] .badge').first().textContent()).toBe("MultiChainComparison");
  expect(errors).toEqual([]);
});

it("switching to another program mid-run and back shows the run still live, every event once", async () => {
  const { page, errors } = ui;
  await page.goto(`${baseURL}/?program=reason`);
  await fill(page, "question", "Explain step by step why the sky is blue, in detail.");
  await page.locator("[data-role=run]").click();
  await page.locator("#run li.node[data-kind=lm] > .n-live").filter({ hasText: /\S{3}/ }).waitFor();
  const runId = await runIdOf(page);
  expect(await page.locator("#run").getAttribute("data-status")).toBe("running");

  await page.locator('.program[data-program="qa"]').click();
  expect(await page.locator("#run").count()).toBe(0);
  await page.locator('.program[data-program="reason"]').click();
  expect(await runIdOf(page)).toBe(runId);
  expect(new URL(page.url()).pathname).toBe(`/runs/${runId}`);
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  await expectShownExactlyOnce(page, await fetchLog(baseURL, runId));
  expect(errors).toEqual([]);
});

it("a permalink says whether its run is durable", async () => {
  const { page, errors } = ui;
  const durable = (await (
    await fetch(`${baseURL}/api/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ program: "qa", inputs: { question: "What is the capital of France?" } }) })
  ).json()) as { run_id: string };
  await page.goto(`${baseURL}/runs/${durable.run_id}`);
  const mode = page.locator("#run [data-role=run-mode]");
  await expect.poll(() => mode.textContent()).toBe("durable");
  expect(await mode.getAttribute("title")).toMatch(/finishes even if every tab is closed/);

  await page.goto(`${baseURL}/?program=reason`);
  await fill(page, "question", "What is 2 + 2?");
  await page.locator("[data-role=run]").click();
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  await page.reload();
  await expect.poll(() => mode.textContent()).toBe("attached · not durable");
  expect(await mode.getAttribute("title")).toMatch(/about 30 s/);
  expect(errors).toEqual([]);
});

it("an unknown run id shows a not-found view with the program beside it, not a blank page", async () => {
  const { page } = ui;
  const missing = "0123456789abcdef0123456789abcdef";
  await page.goto(`${baseURL}/runs/${missing}`);
  const view = page.locator("[data-role=run-not-found]");
  await view.waitFor();
  expect(await view.locator("h2").textContent()).toBe("Run not found");
  expect(await view.textContent()).toContain(missing);
  expect(await page.locator("#banner").isHidden()).toBe(true);
  expect(await page.locator(".program-view").count()).toBe(1);
  expect(await page.title()).toBe("Run not found · dspy-edge");
  await page.locator("[data-role=back-to-program]").click();
  expect(new URL(page.url()).pathname).toBe("/");
  expect(await view.count()).toBe(0);
});
