// Two runs side by side with their text diffed; rerunning a run as it was or with
// edited inputs; the playground resending an LM prompt with edits as a run of its own.
import type { Page } from "playwright-core";
import { expect, inject, it } from "vitest";
import { usePage } from "./browser";
import { fetchLog, runIdOf, serverRun } from "./helpers";

const baseURL = inject("baseURL");
const ui = usePage();

const tagged = () => `zq${Math.random().toString(36).slice(2, 8)}`;

async function syncRun(question: string): Promise<string> {
  const res = await fetch(`${baseURL}/qa`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { run_id: string }).run_id;
}

async function searchRuns(page: Page, q: string): Promise<void> {
  await page.locator("[data-role=run-search]").fill(q);
  await page.locator(`[data-role=recent-runs][data-q="${q}"]:not([aria-busy])`).waitFor();
}

async function inputsOf(runId: string): Promise<Record<string, unknown>> {
  return ((await (await fetch(`${baseURL}/api/runs/${runId}`)).json()) as { inputs: Record<string, unknown> }).inputs;
}

it("compares two picked runs side by side: inputs, outputs and prompts diffed, tokens and cost", async () => {
  const { page, errors } = ui;
  const tag = tagged();
  const france = await syncRun(`${tag} What is the capital of France?`);
  const ada = await syncRun(`${tag} Who was Ada Lovelace?`);
  await page.goto(`${baseURL}/?program=qa`);
  await searchRuns(page, tag);
  expect(await page.locator("[data-role=compare-runs]").isDisabled()).toBe(true);
  await page.locator(`input[data-pick="${france}"]`).check();
  await page.locator(`input[data-pick="${ada}"]`).check();
  expect(await page.locator("[data-role=compare-runs]").textContent()).toBe("Compare 2 runs");
  await page.locator("[data-role=compare-runs]").click();

  const view = page.locator("[data-role=compare]");
  await view.locator("[data-role=compare-summary]").waitFor();
  expect(new URL(page.url()).search).toBe(`?compare=${france},${ada}`);
  const cells = async (row: string) => view.locator(`tr[data-row="${row}"] td`).allTextContents();
  expect(await cells("run")).toEqual([france.slice(0, 12), ada.slice(0, 12)]);
  expect(await cells("input")).toEqual([`${tag} What is the capital of France?`, `${tag} Who was Ada Lovelace?`]);
  expect(await cells("status")).toEqual(["succeeded", "succeeded"]);
  expect(await cells("cost")).toEqual(["$0 est.", "$0 est."]);
  const [logA, logB] = [await fetchLog(baseURL, france), await fetchLog(baseURL, ada)];
  const tokens = (log: typeof logA) => {
    const end = log.at(-1)!;
    if (end.type !== "run_end") throw new Error("not ended");
    const u = Object.values(end.usage)[0];
    return `${u.prompt_tokens} → ${u.completion_tokens}`;
  };
  expect(await cells("tokens")).toEqual([tokens(logA), tokens(logB)]);

  // Inputs: what A has and B lacks is struck on the left, what B adds marked on the right.
  const question = view.locator('[data-role=compare-inputs] dd[data-field="question"]');
  expect((await question.locator('[data-side="a"] del').allTextContents()).join("")).toMatch(/What.*capital.*France/);
  expect((await question.locator('[data-side="b"] ins').allTextContents()).join("")).toMatch(/Ada.*Lovelace/);
  expect(await question.locator('[data-side="a"]').textContent()).toBe(`${tag} What is the capital of France?`);
  // Outputs differ; the one LM call's prompt differs only in the question line, the rest folded.
  expect(await view.locator("[data-role=compare-outputs] dt .cmp-changed").textContent()).toBe("differs");
  const call = view.locator('[data-role=compare-lm-calls] li[data-call="1"]');
  expect(await call.locator(".cmp-call-head").textContent()).toMatch(/^#1 qa\s*prompt differs \(2 lines\)$/);
  expect(await call.locator('.cmp-prompt [data-side="b"] ins').textContent()).toBe(`${tag} Who was Ada Lovelace?\n`);
  expect(await call.locator(".cmp-prompt .cmp-fold").first().textContent()).toMatch(/^⋯ \d+ unchanged lines ⋯/);
  expect(await call.locator(".cmp-facts > div").first().textContent()).toMatch(/^demo\/\S+ · \d+ → \d+ tok · \d+ ms · \$0 est\.$/);

  // The comparison is a link: reloading it shows the same two runs.
  await page.reload();
  await view.locator("[data-role=compare-summary]").waitFor();
  expect(await cells("input")).toEqual([`${tag} What is the capital of France?`, `${tag} Who was Ada Lovelace?`]);
  await view.locator("[data-role=close-compare]").click();
  expect(await view.count()).toBe(0);
  expect(errors).toEqual([]);
});

it("reruns a run with the same inputs, or puts them in the form to edit", async () => {
  const { page, errors } = ui;
  const tag = tagged();
  const first = await syncRun(`${tag} How tall is Mount Everest?`);
  await page.goto(`${baseURL}/runs/${first}`);
  await expect.poll(() => page.locator("#run").getAttribute("data-status")).toBe("succeeded");
  await page.locator("#run [data-role=rerun]").click();
  await expect.poll(async () => (await runIdOf(page)) !== first).toBe(true);
  const second = await runIdOf(page);
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  expect(await inputsOf(second)).toEqual(await inputsOf(first));
  expect(new URL(page.url()).pathname).toBe(`/runs/${second}`);

  // Edit: the form holds the run's inputs and has the focus; nothing runs until asked.
  await page.locator("[data-field=question]").fill("something else");
  await page.locator("#run [data-role=edit-rerun]").click();
  expect(await page.locator("[data-field=question]").inputValue()).toBe(`${tag} How tall is Mount Everest?`);
  expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.field)).toBe("question");
  expect(await runIdOf(page)).toBe(second);
  expect(errors).toEqual([]);
});

it("the playground resends a run's LM prompt with edited messages and params, logged as its own run", async () => {
  const { page, errors } = ui;
  const tag = tagged();
  const source = await syncRun(`${tag} What is 6 * 7?`);
  await page.goto(`${baseURL}/runs/${source}`);
  await expect.poll(() => page.locator("#run").getAttribute("data-status")).toBe("succeeded");
  await page.locator("#run [data-role=open-playground]").click();
  const pg = page.locator("[data-role=playground]");
  await pg.waitFor();
  // Prefilled with the call's messages exactly as the LM got them.
  const [original] = (await fetchLog(baseURL, source)).filter((e) => e.type === "lm_start");
  if (original.type !== "lm_start") throw new Error("no lm_start");
  expect(await pg.locator("[data-role=pg-role]").evaluateAll((ss) => ss.map((s) => (s as unknown as HTMLSelectElement).value))).toEqual(original.messages.map((m) => m.role));
  expect(await pg.locator("[data-role=pg-content]").evaluateAll((ts) => ts.map((t) => (t as unknown as HTMLTextAreaElement).value))).toEqual(original.messages.map((m) => m.content));

  // A bad parameter is caught in the page; one the server refuses is shown from its 400.
  await pg.locator('[data-param="temperature"]').fill("hot");
  await pg.locator("[data-role=pg-send]").click();
  expect(await pg.locator("[data-role=pg-error]").textContent()).toBe('temperature: expected a number (0 to 2), got "hot"');
  await pg.locator('[data-param="temperature"]').fill("7");
  await pg.locator("[data-role=pg-send]").click();
  await expect.poll(() => pg.locator("[data-role=pg-error]").textContent()).toMatch(/^params\.temperature: /);

  const edited = `${tag} edited: What is 6 * 8?`;
  await pg.locator("[data-role=pg-content]").last().fill(edited);
  await pg.locator('[data-param="temperature"]').fill("0.5");
  await pg.locator("[data-role=pg-send]").click();
  const run = pg.locator("#run");
  await expect.poll(() => run.getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  const runId = (await run.getAttribute("data-run-id"))!;
  const log = await fetchLog(baseURL, runId);
  const start = log.find((e) => e.type === "lm_start");
  if (start?.type !== "lm_start") throw new Error("no lm_start");
  expect(start.messages).toEqual([...original.messages.slice(0, -1), { role: "user", content: edited }]);
  expect(start.params).toMatchObject({ temperature: 0.5 });
  expect((await serverRun(baseURL, runId)).status).toBe("succeeded");
  expect(await inputsOf(runId)).toMatchObject({ from: { run_id: source, call_id: original.call_id } });
  // Listed with the program's runs as a playground call, told apart by its edited message.
  const row = page.locator(`[data-role=recent-runs] a[data-run-id="${runId}"]`);
  await expect.poll(() => row.count()).toBe(1);
  expect(await row.locator(".rr-mode").textContent()).toBe("playground");
  expect(await row.locator("[data-role=rr-input]").textContent()).toBe(edited);
  await pg.locator("[data-role=pg-close]").click();
  expect(await page.locator("#run").getAttribute("data-run-id")).toBe(source);
  expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
});
