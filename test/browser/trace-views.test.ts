// Reading a run: a failure shows why first; repeated steps are numbered (ReAct steps, BestOfN
// attempts with rewards and the kept one, LM retries); rows summarise from a word boundary;
// output fields fill in live; the timeline names module paths; the Events tab filters, searches
// and opens an event's JSON from the keyboard.
import type { Page, Route } from "playwright-core";
import { expect, inject, it } from "vitest";
import { RunEvent, type EventDraft } from "../../src/dspy/events";
import { usePage } from "./browser";
import { fetchLog, fill, runIdOf } from "./helpers";

const baseURL = inject("baseURL");
const ui = usePage({ viewport: { width: 1440, height: 900 } });

async function run(page: Page, program: string, question: string, status = "succeeded"): Promise<{ runId: string; log: RunEvent[] }> {
  await page.goto(`${baseURL}/?program=${program}`);
  await fill(page, "question", question);
  await page.locator("[data-role=run]").click();
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe(status);
  const runId = await runIdOf(page);
  return { runId, log: await fetchLog(baseURL, runId) };
}

const inViewport = (page: Page, selector: string) =>
  page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;
  });

it("a failed run shows why first: the error card in view, the failing call selected with its error, its prompt folded; retries listed", async () => {
  const { page, errors } = ui;
  // The demo LM refuses prompts that contain `demo:fail` with HTTP 503 (a demo feature).
  const { log } = await run(page, "reason", "Why is the sky blue? demo:fail", "failed");
  const end = log.at(-1)!;
  if (end.type !== "run_end") throw new Error("the log does not end with run_end");
  // The card comes before the tree, in the viewport, with the run's error.
  const card = page.locator("#run .run-error");
  expect(await card.textContent()).toContain(end.error!.message);
  expect(await inViewport(page, "#run .run-error")).toBe(true);
  expect(await page.evaluate(() => {
    const card = document.querySelector("#run .run-error")!;
    return !!(card.compareDocumentPosition(document.querySelector("#run .tree")!) & Node.DOCUMENT_POSITION_FOLLOWING);
  })).toBe(true);
  // The failing LM call is selected (the tree's one Tab stop) and its details open on the error.
  const lmEnd = log.find((e) => e.type === "lm_end" && e.error);
  if (lmEnd?.type !== "lm_end") throw new Error("no failed lm_end");
  const row = page.locator(`#run li.node[data-call-id="${lmEnd.call_id}"] > .n-row`);
  expect(await row.getAttribute("aria-selected")).toBe("true");
  expect(await row.getAttribute("tabindex")).toBe("0");
  expect(await inViewport(page, `#run li.node[data-call-id="${lmEnd.call_id}"] > .n-row`)).toBe(true);
  const detailError = page.locator("#run .detail-pane [data-role=detail-error]");
  expect(await detailError.textContent()).toContain(lmEnd.error!.message);
  expect(await inViewport(page, "#run .detail-pane [data-role=detail-error]")).toBe(true);
  // No half-page of system prompt in the way: it is folded in the Prompt tab.
  await page.locator('#run .detail-pane [data-detail-tab="prompt"]').click();
  const system = page.locator("#run .detail-pane .msg-system details");
  expect(await system.getAttribute("open")).toBeNull();
  expect(await page.locator("#run .detail-pane .msg-system .msg-content").isVisible()).toBe(false);
  // Each retried attempt (lm_retry) is one line under the LM row, with its status and wait.
  const retries = log.filter((e) => e.type === "lm_retry");
  const lines = await page.locator(`#run li.node[data-call-id="${lmEnd.call_id}"] > .n-retries > li`).allTextContents();
  expect(lines).toEqual(retries.map((r) => r.type === "lm_retry" && `attempt ${r.attempt}${r.status === null ? "no response" : `HTTP ${r.status}`}${r.error.type}: ${r.error.message}retried after ${r.wait_ms} ms`));
  expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
});

it("ReAct: steps numbered in the tree and as a trajectory; module rows roll up their tokens; the timeline names paths", async () => {
  const { page, errors } = ui;
  const { log } = await run(page, "agent", "What is 17 * 23, and how many metres is that many feet?");
  const starts = log.filter((e): e is Extract<RunEvent, { type: "module_start" | "tool_start" }> => (e.type === "module_start" || e.type === "tool_start") && e.step !== undefined);
  expect(starts.length).toBeGreaterThanOrEqual(4);
  for (const e of starts) {
    expect(await page.locator(`#run li.node[data-call-id="${e.call_id}"] > .n-row .n-step`).textContent()).toBe(`step ${e.step}`);
  }
  // Details open beside the tree, never inside it: selecting calls leaves the tree's height alone.
  const treeHeight = () => page.locator("#run .tree").evaluate((t) => t.getBoundingClientRect().height);
  const before = await treeHeight();
  for (const kind of ["lm", "tool", "parse", "format"]) await page.locator(`#run li.node[data-kind=${kind}] > .n-row`).first().click();
  expect(await treeHeight()).toBe(before);
  // The root's Trajectory tab: one numbered step per iteration, thought → tool → observation.
  const root = page.locator("#run .tree > li.node > .n-row");
  await root.click();
  expect(await page.locator('#run .detail-pane [data-detail-tab="view"]').textContent()).toBe("Trajectory");
  const steps = page.locator("#run .detail-pane .d-step");
  const tools = log.filter((e) => e.type === "tool_start");
  const toolEnds = log.filter((e) => e.type === "tool_end");
  expect(await steps.count()).toBe(tools.length);
  for (const [i, t] of tools.entries()) {
    const step = steps.nth(i);
    expect(await step.locator(".d-step-n").textContent()).toBe(`Step ${i + 1}`);
    expect(await step.textContent()).toContain(t.type === "tool_start" ? `${t.tool}(` : "");
    const result = toolEnds[i].type === "tool_end" ? toolEnds[i].result : undefined;
    expect(await step.textContent()).toContain(typeof result === "string" ? result.split("\n")[0] : JSON.stringify(result));
  }
  // Tokens rolled up on the root row: the sum of every LM call's usage.
  const usage = log.flatMap((e) => (e.type === "lm_end" && e.usage ? [e.usage] : []));
  const prompt = usage.reduce((s, u) => s + u.prompt_tokens, 0);
  const completion = usage.reduce((s, u) => s + u.completion_tokens, 0);
  expect(await root.locator(".n-stats").getAttribute("title")).toBe(`${prompt} prompt + ${completion} completion tokens over ${usage.length} LM calls under this module`);
  // LM rows summarise the parsed fields, never from the middle of a word.
  for (const summary of await page.locator("#run li.node[data-kind=lm] > .n-row .n-summary").allTextContents()) {
    expect(summary).toMatch(/^\w+: /);
  }
  // The timeline labels modules by path and marks each streamed LM call's first token.
  await page.locator('#run [data-tab="timeline"]').click();
  const labels = await page.locator("#run .wf-rows .wf-label-text").allTextContents();
  expect(labels).toContain("agent.extract.predict");
  expect(labels.filter((l) => l.startsWith("agent.react · step ")).length).toBe(tools.length);
  const lms = log.filter((e) => e.type === "lm_start").length;
  expect(await page.locator("#run .wf-bar.k-lm .wf-ttft").count()).toBe(lms);
  // Zoom widens the time axis; the row labels stay in view while it scrolls sideways.
  const scroller = page.locator("#run .wf-scroll");
  expect(await scroller.evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
  await page.locator('#run .wf-tools [data-zoom="1"]').click();
  await page.locator('#run .wf-tools [data-zoom="1"]').click();
  expect(await page.locator("#run .wf-zoom-level").textContent()).toBe("4×");
  expect(await scroller.evaluate((el) => el.scrollWidth / el.clientWidth)).toBeGreaterThan(2);
  await scroller.evaluate((el) => (el.scrollLeft = el.scrollWidth));
  expect(await inViewport(page, "#run .wf-rows .wf-row:first-child .wf-label")).toBe(true);
  expect(await page.locator("#run .wf-rows .wf-row:first-child .wf-label").evaluate((el) => el.getBoundingClientRect().left - el.closest(".wf-scroll")!.getBoundingClientRect().left)).toBe(0);
  expect(errors).toEqual([]);
});

it("the Events tab hides token deltas at first, filters by type, searches, and opens an event's JSON from the keyboard", async () => {
  const { page, errors } = ui;
  const { log } = await run(page, "reason", "Why is the sky blue?");
  await page.locator('#run [data-tab="events"]').click();
  const visible = () => page.locator("#run table.events tbody tr:visible").count();
  const deltas = log.filter((e) => e.type === "lm_delta").length;
  expect(deltas).toBeGreaterThan(10);
  expect(await visible()).toBe(log.length - deltas);
  expect(await page.locator("#run .ev-shown").textContent()).toBe(`${log.length - deltas} of ${log.length} shown`);
  expect(await page.locator('#run .ev-filter[data-type="lm_delta"]').textContent()).toBe(` lm_delta ${deltas}`);
  await page.locator('#run .ev-filter[data-type="lm_delta"] input').check();
  expect(await visible()).toBe(log.length);
  await page.locator("#run .ev-search").fill("adapter_parse");
  expect(await visible()).toBe(log.filter((e) => JSON.stringify(e).toLowerCase().includes("adapter_parse")).length);
  await page.locator("#run .ev-search").fill("");
  // Keyboard: focus a row, Enter opens the dialog with the event in full; Escape returns.
  const lmEnd = log.find((e) => e.type === "lm_end")!;
  const row = page.locator(`#run table.events tr[data-seq="${lmEnd.seq}"]`);
  await row.focus();
  await page.keyboard.press("Enter");
  const dialog = page.locator("#run dialog.ev-dialog");
  expect(await dialog.isVisible()).toBe(true);
  expect(JSON.parse((await dialog.locator(".ev-json").textContent())!)).toEqual(lmEnd);
  await page.keyboard.press("Escape");
  expect(await dialog.isVisible()).toBe(false);
  expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.seq)).toBe(String(lmEnd.seq));
  // A tap (click) opens it too; there is no hover tooltip any more.
  await page.locator(`#run table.events tr[data-seq="1"]`).click();
  expect(JSON.parse((await dialog.locator(".ev-json").textContent())!)).toEqual(log[0]);
  await dialog.locator("[data-role=close]").click();
  expect(await row.getAttribute("title")).not.toContain("{");
  expect(errors).toEqual([]);
});

it("output fields fill in live, in the LM row and the result card, and the row reads from a word boundary", async () => {
  const { page, errors } = ui;
  await page.goto(`${baseURL}/?program=reason`);
  await fill(page, "question", "Explain the theory of relativity in detail.");
  await page.locator("[data-role=run]").click();
  // While the LM is still writing, the result card already shows its reasoning, growing.
  const live = page.locator('#run .result[data-live] [data-output="reasoning"]');
  await live.waitFor({ timeout: 30_000 });
  const first = (await live.textContent())!.length;
  await expect.poll(async () => (await live.textContent())!.length).toBeGreaterThan(first);
  expect(await page.locator("#run").getAttribute("data-status")).toBe("running");
  const summary = await page.locator("#run li.node[data-kind=lm] > .n-row .n-summary").textContent();
  expect(summary).toMatch(/^(reasoning|answer): (…(?=\S))?/);
  if (summary!.includes("…")) expect(summary).toMatch(/: …\S/);
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  const log = await fetchLog(baseURL, await runIdOf(page));
  const end = log.at(-1)!;
  if (end.type !== "run_end") throw new Error("no run_end");
  expect(await page.locator("#run .result[data-live]").count()).toBe(0);
  expect(await page.locator('#run [data-output="reasoning"]').textContent()).toBe(String(end.outputs!.reasoning));
  expect(errors).toEqual([]);
});

/** A stored run served to the page as the server would (run info + SSE log), for cases the demo LM can't produce. */
async function serveLog(page: Page, runId: string, program: string, drafts: EventDraft[]): Promise<RunEvent[]> {
  const events = drafts.map((d, i) => RunEvent.parse({ ...d, run_id: runId, seq: i + 1, ts: 1_700_000_000_000 + i * 40 }));
  await page.route(`**/api/runs/${runId}`, (route: Route) =>
    route.fulfill({ json: { run_id: runId, program, status: "succeeded", inputs: { question: "Capital of Belgium?" } } }),
  );
  await page.route(`**/api/runs/${runId}/events**`, (route: Route) =>
    route.fulfill({
      headers: { "content-type": "text/event-stream" },
      body: events.map((e) => `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(""),
    }),
  );
  return events;
}

it("BestOfN: attempt k of n, each reward, the kept attempt marked; an LM call's retries listed with status and wait", async () => {
  const { page, errors } = ui;
  const call = (id: string, parent: string | null, name: string) => ({ call_id: id, parent_id: parent, name });
  const attempt = (k: number, answer: string | null): EventDraft[] => {
    const m = `m${k}`, lm = `l${k}`;
    const outputs = answer === null ? null : { reasoning: "Thinking.", answer };
    return [
      { type: "module_start", ...call(m, "root", "best.module"), module: "ChainOfThought", inputs: { question: "q" }, step: k, step_of: 3 },
      { type: "lm_start", ...call(lm, m, "gpt"), model: "gpt", messages: [{ role: "system", content: "sys" }, { role: "user", content: "q" }], params: {} },
      ...(k === 2
        ? ([
            { type: "lm_retry", ...call(lm, m, "gpt"), attempt: 1, error: { type: "APIError", message: "HTTP 503" }, status: 503, wait_ms: 500 },
            { type: "lm_retry", ...call(lm, m, "gpt"), attempt: 2, error: { type: "APIConnectionTimeoutError", message: "timed out" }, status: null, wait_ms: 1000 },
          ] as EventDraft[])
        : []),
      // Attempt 3 answers in JSON, its deltas tagged with the field they write (lm_delta.field).
      ...(k === 3
        ? ([
            { type: "lm_delta", ...call(lm, m, "gpt"), delta: '{"reasoning": "', field: null },
            { type: "lm_delta", ...call(lm, m, "gpt"), delta: "Thinking.", field: "reasoning" },
            { type: "lm_delta", ...call(lm, m, "gpt"), delta: '", "answer": "', field: null },
            { type: "lm_delta", ...call(lm, m, "gpt"), delta: "Brussels", field: "answer" },
            { type: "lm_delta", ...call(lm, m, "gpt"), delta: '"}', field: null },
          ] as EventDraft[])
        : []),
      { type: "lm_end", ...call(lm, m, "gpt"), text: k === 3 ? '{"reasoning": "Thinking.", "answer": "Brussels"}' : (answer ?? null), usage: answer === null ? null : { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }, cached: false, error: answer === null ? { type: "LMError", message: "gave up" } : null, duration_ms: 30 },
      { type: "module_end", ...call(m, "root", "best.module"), outputs, error: answer === null ? { type: "LMError", message: "gave up" } : null, duration_ms: 40 },
    ];
  };
  await serveLog(page, "fixture-best", "best", [
    { type: "run_start", program: "best", module: "BestOfN", inputs: { question: "q" } },
    { type: "module_start", ...call("root", null, "best"), module: "BestOfN", inputs: { question: "q" } },
    ...attempt(1, "It is Brussels, the capital."),
    ...attempt(2, null),
    ...attempt(3, "Brussels"),
    { type: "module_end", ...call("root", null, "best"), outputs: { reasoning: "Thinking.", answer: "Brussels" }, error: null, duration_ms: 200, rewards: [0.4, null, 1], kept: 3, threshold: 1 },
    { type: "run_end", status: "succeeded", outputs: { reasoning: "Thinking.", answer: "Brussels" }, error: null, usage: {}, duration_ms: 210 },
  ]);
  await page.goto(`${baseURL}/runs/fixture-best`);
  await expect.poll(() => page.locator("#run").getAttribute("data-status")).toBe("succeeded");
  const row = (k: number) => page.locator(`#run li.node[data-call-id="m${k}"] > .n-row`);
  expect(await row(1).locator(".n-step").textContent()).toBe("attempt 1 of 3");
  expect(await row(3).locator(".n-step").textContent()).toBe("attempt 3 of 3");
  expect(await row(1).locator(".n-outcome").textContent()).toBe("reward 0.40");
  expect(await row(2).locator(".n-outcome").textContent()).toBe("failed");
  expect(await row(3).locator(".n-outcome").textContent()).toBe("✓ kept · reward 1");
  expect(await page.locator("#run li.node.kept").count()).toBe(1);
  // The retried LM call: one line per failed attempt, with its status and the wait before the next.
  expect(await page.locator('#run li.node[data-call-id="l2"] > .n-retries > li').allTextContents()).toEqual([
    "attempt 1HTTP 503APIError: HTTP 503retried after 500 ms",
    "attempt 2no responseAPIConnectionTimeoutError: timed outretried after 1.00 s",
  ]);
  // The JSON answer's row reads by field, from the deltas' `field`, short fields first.
  expect(await page.locator('#run li.node[data-call-id="l3"] > .n-row .n-summary').textContent()).toBe("answer: Brussels · reasoning: Thinking.");
  // The timeline marks where each retried attempt ended on the LM call's bar.
  await page.locator('#run [data-tab="timeline"]').click();
  expect(await page.locator('#run .wf-row[data-call-id="l2"] .wf-retry').count()).toBe(2);
  expect(await page.locator('#run .wf-row[data-call-id="l2"]').getAttribute("title")).toContain("2 retried attempts");
  await page.locator('#run [data-tab="tree"]').click();
  // The BestOfN's own view: every attempt with its reward, the kept one marked, and why.
  await page.locator('#run li.node[data-call-id="root"] > .n-row').click();
  const table = page.locator("#run .detail-pane .d-attempts tbody tr");
  expect(await table.count()).toBe(3);
  expect(await table.nth(2).textContent()).toContain("✓ kept");
  expect(await table.nth(0).locator("td.num").textContent()).toBe("0.40");
  expect(await page.locator("#run .detail-pane .d-note").textContent()).toContain("reward of at least 1");
  // Its link selects that attempt in the tree.
  await table.nth(2).locator("button.link").click();
  expect(await row(3).getAttribute("aria-selected")).toBe("true");
  expect(errors).toEqual([]);
});

it("ProgramOfThought's code highlighted with its output; MultiChainComparison's attempts and an n=3 call's completions numbered", async () => {
  const { page, errors } = ui;
  const { log } = await run(page, "math", "What is 2^10 + 3?");
  await page.locator("#run .tree > li.node > .n-row").click();
  expect(await page.locator('#run .detail-pane [data-detail-tab="view"]').textContent()).toBe("Code");
  const toolStart = log.find((e) => e.type === "tool_start");
  const toolEnd = log.find((e) => e.type === "tool_end");
  if (toolStart?.type !== "tool_start" || toolEnd?.type !== "tool_end") throw new Error("no code_interpreter call");
  const code = page.locator("#run .detail-pane .d-step").first().locator(".d-code");
  expect(await code.textContent()).toBe(toolStart.args.code);
  expect(await code.locator(".hl-kw").count()).toBeGreaterThan(0);
  expect(await page.locator("#run .detail-pane .d-step").first().textContent()).toContain(typeof toolEnd.result === "string" ? toolEnd.result : JSON.stringify(toolEnd.result, null, 2));

  const compare = await run(page, "compare", "Why is the sky blue?");
  // The n=3 LM call: its row says so, its Output tab numbers the completions.
  const multi = compare.log.find((e) => e.type === "lm_end" && e.texts && e.texts.length === 3);
  if (multi?.type !== "lm_end") throw new Error("no n=3 LM call");
  const lmRow = page.locator(`#run li.node[data-call-id="${multi.call_id}"] > .n-row`);
  expect(await lmRow.locator(".n-summary").textContent()).toMatch(/^3 completions · /);
  await lmRow.click();
  expect(await page.locator("#run .detail-pane .d-choice-n").allTextContents()).toEqual(["completion 1 of 3", "completion 2 of 3", "completion 3 of 3"]);
  // The MultiChainComparison module: the attempts it compared, numbered, then its answer.
  await page.locator('#run li.node[data-name$=".compare"] > .n-row').click();
  const steps = await page.locator("#run .detail-pane .d-step-n").allTextContents();
  expect(steps).toEqual(["Attempt #1 of 3", "Attempt #2 of 3", "Attempt #3 of 3", "Compared answer"]);
  expect(errors).toEqual([]);
});
