// A program optimized in Python and served here (the `optimized` example, built
// from a file DSPy saved): the page says it runs loaded state, and a live run
// sends the optimizer's demos to the LM, as the prompt in the detail view shows.
import { describe, expect, inject, it } from "vitest";
import { usePage } from "./browser";
import { fetchLog, fill, runIdOf } from "./helpers";

const baseURL = inject("baseURL");
const ui = usePage();

describe("a program loaded from a DSPy saved file", () => {
  it("shows a loaded-state badge and runs live with the saved demos in its prompt", async () => {
    const { page, errors } = ui;
    await page.goto(`${baseURL}/?program=optimized`);
    const badge = page.locator("[data-role=state]");
    await expect.poll(() => badge.textContent()).toBe("loaded state · 4 demos");
    const title = (await badge.getAttribute("title")) ?? "";
    expect(title).toContain("predict: 4 demos (2 bootstrapped)");
    expect(title).toContain("Given the fields `question`, produce the fields `answer`.");

    await fill(page, "question", "How many days are in a leap year?");
    await page.keyboard.press("Control+Enter");
    await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 20_000 }).toBe("succeeded");
    const log = await fetchLog(baseURL, await runIdOf(page));
    const lmStart = log.find((e) => e.type === "lm_start");
    if (lmStart?.type !== "lm_start") throw new Error("no lm_start in the log");
    // System, four demo pairs (the two raw demos first, flagged incomplete), then the question.
    expect(lmStart.messages.map((m) => m.role)).toEqual(["system", ...Array(4).fill(["user", "assistant"]).flat(), "user"]);
    expect(lmStart.messages[1].content).toContain("This is an example of the task, though some input or output fields are not supplied.");
    await page.locator("#run li.node[data-kind=lm] > .n-row").click();
    await page.locator('#run .detail-pane [data-detail-tab="prompt"]').click();
    const contents = await page.locator("#run .detail-pane .d-messages .msg-content").allTextContents();
    expect(contents).toEqual(lmStart.messages.map((m) => m.content));
    expect(errors).toEqual([]);
  });
});
