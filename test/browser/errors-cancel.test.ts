// Problems shown in the page: the server's 400 next to the field it names, and a run
// cancelled from the page ends as cancelled.
import { expect, inject, it } from "vitest";
import { usePage } from "./browser";
import { fetchLog, fill, runIdOf, serverRun } from "./helpers";

const baseURL = inject("baseURL");
const ui = usePage();

it("shows the server's 400 field error inline, next to the field", async () => {
  const { page, errors } = ui;
  await page.goto(`${baseURL}/?program=reason`);
  // The page now checks what it can itself (a blank question never leaves it), so the
  // server's real 400 for one is played back to the page's request.
  const real = await fetch(`${baseURL}/reason/stream`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: 5 }) });
  const text = await real.text();
  await page.route("**/reason/stream", (route) => route.fulfill({ status: real.status, contentType: "application/json", body: text }), { times: 1 });
  await fill(page, "question", "What is 2 + 2?");
  const answer = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/reason/stream");
  await page.locator("[data-role=run]").click();
  const res = await answer;
  expect(res.status()).toBe(400);
  const body = (await res.json()) as { error: { details: { issues: { field: string; message: string }[] } } };
  const issue = body.error.details.issues.find((i) => i.field === "question");
  expect(issue).toBeTruthy();
  const inline = page.locator('[data-error-for="question"]');
  await expect.poll(() => inline.isVisible()).toBe(true);
  expect(await inline.textContent()).toBe(issue!.message);
  expect(await page.locator('[data-field="question"]').getAttribute("aria-invalid")).toBe("true");
  // Focus goes to the field to fix, and no run was started.
  expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.field)).toBe("question");
  expect(await page.locator("#run").count()).toBe(0);
  // Fixing the field and running again clears the error.
  await fill(page, "question", "What is 2 + 2?");
  await page.keyboard.press("Control+Enter");
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  expect(await inline.isVisible()).toBe(false);
  expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
});

it("Cancel ends a running run as cancelled, shown in the page and in the log", async () => {
  const { page, errors } = ui;
  await page.goto(`${baseURL}/?program=reason`);
  await fill(page, "question", "Explain the theory of relativity in detail.");
  await page.locator("[data-role=run]").click();
  await page.locator("#run li.node[data-kind=lm] > .n-live").filter({ hasText: /\S{3}/ }).waitFor();
  const runId = await runIdOf(page);
  await page.locator("#run [data-role=cancel]").click();
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 30_000 }).toBe("cancelled");
  expect(await page.locator("#run [data-role=status]").textContent()).toBe("cancelled");
  expect(await page.locator("#run .run-error").textContent()).toMatch(/Run cancelled/);
  // The step a cancel cut short did not fail: the link says where the run stopped.
  const stepLink = page.locator("#run .run-error button.link");
  expect(await stepLink.textContent()).toMatch(/^Show where it stopped: lm /);
  // …and the demo LM's abort names its model (its placeholder key used to redact "demo").
  await stepLink.click();
  // The tree draws that LM call as stopped (amber, a "stopped" badge with a tooltip), not as failed
  // (red), and no call at all as failed, like the timeline below.
  const stoppedNode = page.locator("#run li.node.stopped[data-kind=lm]").last();
  const stopped = await stoppedNode.textContent();
  expect(stopped).toMatch(/LM request to demo\/\S+ was aborted/);
  expect(stopped).not.toContain("[redacted]");
  expect((await stoppedNode.getAttribute("class"))!.split(" ")).toEqual(expect.arrayContaining(["stopped", "failing"]));
  expect((await stoppedNode.getAttribute("class"))!.split(" ")).not.toContain("error");
  expect(await stoppedNode.getAttribute("data-status")).toBe("stopped");
  const badge = stoppedNode.locator(":scope > .n-row > .n-status");
  expect(await badge.textContent()).toBe("stopped");
  expect(await badge.getAttribute("title")).toBe("stopped: the run was cancelled before this call finished");
  expect(await page.locator("#run li.node.error").count()).toBe(0);
  expect(await page.locator("#run [data-role=cancel]").isHidden()).toBe(true);
  // No node is left ticking as if still running.
  expect(await page.locator("#run li.node.open").count()).toBe(0);
  // The timeline draws the calls the cancel cut short as stopped (amber), none as failed (red),
  // and the stopped LM call is one of them.
  const stoppedLm = await stoppedNode.getAttribute("data-call-id");
  await page.locator('#run [data-tab="timeline"]').click();
  await expect.poll(() => page.locator("#run .wf-bar.s-stopped").count()).toBeGreaterThan(0);
  expect(await page.locator("#run .wf-bar.s-error").count()).toBe(0);
  expect(await page.locator(`#run .wf-row[data-call-id="${stoppedLm}"] .wf-bar`).getAttribute("class")).toContain("s-stopped");
  // …in the --stopped colour, which is not the --err one.
  const colours = await page.evaluate(() => {
    const resolve = (v: string) => {
      const probe = document.body.appendChild(document.createElement("i"));
      probe.style.background = `var(${v})`;
      const c = getComputedStyle(probe).backgroundColor;
      probe.remove();
      return c;
    };
    const style = (sel: string) => getComputedStyle(document.querySelector(sel)!);
    return {
      bar: style("#run .wf-bar.s-stopped").backgroundColor,
      // The tree's stopped row, in the same amber (its text shade, to be readable on white).
      icon: style("#run li.node.stopped > .n-row .n-icon").color,
      summary: style("#run li.node.stopped > .n-row .n-summary").color,
      stopped: resolve("--stopped"),
      stoppedText: resolve("--stopped-text"),
      err: resolve("--err"),
    };
  });
  expect(colours.bar).toBe(colours.stopped);
  expect(colours.bar).not.toBe(colours.err);
  expect(colours.icon).toBe(colours.stopped);
  expect(colours.summary).toBe(colours.stoppedText);
  expect([colours.icon, colours.summary]).not.toContain(colours.err);
  const log = await fetchLog(baseURL, runId);
  const end = log.at(-1)!;
  expect(end.type === "run_end" && end.status).toBe("cancelled");
  expect((await serverRun(baseURL, runId)).status).toBe("cancelled");
  expect(errors).toEqual([]);
});
