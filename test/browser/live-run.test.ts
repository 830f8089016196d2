// A run watched live in the page: nodes appear while it runs, the tree has the module's
// shape, the answer is shown; the streaming toggle's default and persistence.
import { describe, expect, inject, it } from "vitest";
import { usePage } from "./browser";
import { domTree, expectShownExactlyOnce, fetchLog, fill, runIdOf, shape } from "./helpers";

const baseURL = inject("baseURL");
const ui = usePage();

describe("a ChainOfThought run, streamed", () => {
  it("shows nodes while the run is going, then the answer and the tree of its calls", async () => {
    const { page, errors } = ui;
    await page.goto(`${baseURL}/?program=reason`);
    await expect.poll(() => page.locator("[data-role=stream-toggle]").isChecked()).toBe(true);
    await fill(page, "question", "What is 17 * 23?");
    const streamed = page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname === "/reason/stream");
    await page.keyboard.press("Control+Enter");
    await streamed;

    // Sample the page while the run is going: node count and streamed LM text must grow
    // before run_end arrives (progressive), not appear all at once at the end.
    const samples: { status: string; nodes: number; text: number }[] = [];
    for (;;) {
      const s = await page.evaluate(() => ({
        status: document.querySelector("#run")?.getAttribute("data-status") ?? "none",
        nodes: document.querySelectorAll("#run li.node").length,
        text: document.querySelector("#run li.node[data-kind=lm] > .n-live")?.textContent?.length ?? 0,
      }));
      samples.push(s);
      if (s.status !== "running" && s.status !== "none") break;
      await page.waitForTimeout(20);
    }
    const running = samples.filter((s) => s.status === "running");
    const final = samples.at(-1)!;
    expect(final.status).toBe("succeeded");
    // Some calls were on the page while others had not happened yet…
    expect(running.some((s) => s.nodes > 0 && s.nodes < final.nodes)).toBe(true);
    // …and the LM's answer grew on the page token by token, not in one piece.
    expect(new Set(running.map((s) => s.text).filter((n) => n > 0)).size).toBeGreaterThanOrEqual(3);

    // The tree: ChainOfThought → its Predict → format, lm, parse (DSPy's nesting).
    const tree = await domTree(page);
    expect(shape(tree)).toEqual([["module", [["module", ["format", "lm", "parse"]]]]]);
    // Event names are module paths from the root, which is named after the program.
    expect(tree[0].name).toBe("reason");
    expect(tree[0].children[0].name).toBe("reason.predict");

    // The answer, per output field, as the run's run_end says.
    const runId = await runIdOf(page);
    expect(new URL(page.url()).pathname).toBe(`/runs/${runId}`);
    const log = await fetchLog(baseURL, runId);
    const end = log.at(-1)!;
    expect(end.type).toBe("run_end");
    if (end.type !== "run_end") return;
    expect(end.status).toBe("succeeded");
    await expect.poll(() => page.locator('[data-output="answer"]').textContent()).toBe(String(end.outputs!.answer));
    await expect.poll(() => page.locator('[data-output="reasoning"]').textContent()).toBe(String(end.outputs!.reasoning));
    await expectShownExactlyOnce(page, log);

    // Selecting the LM node shows, in the side pane's Prompt tab, the prompt role by role as the
    // LM received it (the system message folded, its text still all there).
    const lmStart = log.find((e) => e.type === "lm_start");
    if (lmStart?.type !== "lm_start") throw new Error("no lm_start in the log");
    await page.locator("#run li.node[data-kind=lm] > .n-row").click();
    await page.locator('#run .detail-pane [data-detail-tab="prompt"]').click();
    const roles = await page.locator("#run .detail-pane .d-messages > li").evaluateAll((lis) => lis.map((li) => li.className.replace("msg msg-", "")));
    expect(roles).toEqual(lmStart.messages.map((m) => m.role));
    const contents = await page.locator("#run .detail-pane .d-messages .msg-content").allTextContents();
    expect(contents).toEqual(lmStart.messages.map((m) => m.content));

    // The run is listed under the program's recent runs once it has ended.
    await expect.poll(() => page.locator(`[data-role=recent-runs] [data-run-id="${runId}"]`).count()).toBe(1);
    expect(errors).toEqual([]);
  });
});

describe("the streaming toggle", () => {
  it("defaults to sync for a Predict program, which then answers through POST /{program}", async () => {
    const { page, errors } = ui;
    await page.goto(`${baseURL}/?program=qa`);
    await expect.poll(() => page.locator("[data-role=stream-toggle]").isChecked()).toBe(false);
    await fill(page, "question", "What is the capital of France?");
    const sync = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/qa");
    await page.locator("[data-role=run]").click();
    const body = (await (await sync).json()) as { run_id: string; answer: string };
    await expect.poll(() => page.locator('[data-output="answer"]').textContent()).toBe(body.answer);
    // The trace of the sync run is replayed from its log afterwards.
    await expect.poll(() => page.locator("#run").getAttribute("data-status")).toBe("succeeded");
    expect(await runIdOf(page)).toBe(body.run_id);
    expect(shape(await domTree(page))).toEqual([["module", ["format", "lm", "parse"]]]);
    expect(errors).toEqual([]);
  });

  it("keeps the user's choice per program across reloads", async () => {
    const { page } = ui;
    await page.goto(`${baseURL}/?program=reason`);
    const toggle = page.locator("[data-role=stream-toggle]");
    await expect.poll(() => toggle.isChecked()).toBe(true);
    await page.locator("label.switch").click();
    expect(await toggle.isChecked()).toBe(false);
    await page.reload();
    await expect.poll(() => page.locator("body").getAttribute("data-ready")).toBe("1");
    expect(await page.locator("[data-role=stream-toggle]").isChecked()).toBe(false);
    // Another program keeps its own default.
    await page.goto(`${baseURL}/?program=qa`);
    await expect.poll(() => page.locator(".program-view").getAttribute("data-program")).toBe("qa");
    expect(await page.locator("[data-role=stream-toggle]").isChecked()).toBe(false);
    await page.locator("label.switch").click();
    await page.goto(`${baseURL}/?program=reason`);
    await expect.poll(() => page.locator(".program-view").getAttribute("data-program")).toBe("reason");
    expect(await page.locator("[data-role=stream-toggle]").isChecked()).toBe(false);
    await page.goto(`${baseURL}/?program=qa`);
    await expect.poll(() => page.locator(".program-view").getAttribute("data-program")).toBe("qa");
    expect(await page.locator("[data-role=stream-toggle]").isChecked()).toBe(true);
  });
});
