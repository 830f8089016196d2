// Copy as curl gives a command that really runs the program; the tree works from the keyboard.
import { execFileSync } from "node:child_process";
import { createParser } from "eventsource-parser";
import { expect, inject, it } from "vitest";
import { usePage } from "./browser";
import { fetchLog, fill } from "./helpers";

const baseURL = inject("baseURL");
const ui = usePage({ viewport: { width: 1280, height: 900 }, permissions: ["clipboard-read", "clipboard-write"] });

async function copiedCurl(): Promise<string> {
  const { page } = ui;
  await page.locator("[data-role=copy-curl]").click();
  await page.locator(".toast").filter({ hasText: "copied" }).waitFor();
  return page.evaluate(() => navigator.clipboard.readText());
}

it("Copy as curl copies a command that streams the same run from a terminal", async () => {
  const { page, errors } = ui;
  await page.goto(`${baseURL}/?program=reason`);
  await fill(page, "question", "It's 2 + 2, isn't it?");
  const command = await copiedCurl();
  expect(command).toContain(`${baseURL}/reason/stream`);
  const out = execFileSync("bash", ["-c", command], { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] });
  const frames: { id?: string; event?: string; data: string }[] = [];
  createParser({ onEvent: (m) => frames.push(m) }).feed(out);
  expect(frames.map((f) => Number(f.id))).toEqual(frames.map((_, i) => i + 1));
  const start = JSON.parse(frames[0].data) as { type: string; inputs: Record<string, unknown> };
  expect(start.type).toBe("run_start");
  // The quote in the input survived the shell quoting.
  expect(start.inputs).toEqual({ question: "It's 2 + 2, isn't it?" });
  expect(frames.at(-1)!.event).toBe("run_end");
  expect(JSON.parse(frames.at(-1)!.data).status).toBe("succeeded");

  // "Keep running if I leave" makes Run start a durable run: so does the copied command.
  await page.locator("label[for=background-toggle]").click();
  const durable = await copiedCurl();
  expect(durable).toContain(`${baseURL}/api/runs'`);
  const started = JSON.parse(execFileSync("bash", ["-c", durable], { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] })) as Record<string, unknown>;
  expect(started.events_url).toBe(`/api/runs/${started.run_id}/events`);
  const durableLog = await fetchLog(baseURL, String(started.run_id));
  expect(durableLog[0]).toMatchObject({ type: "run_start", program: "reason", inputs: { question: "It's 2 + 2, isn't it?" } });
  await page.locator("label[for=background-toggle]").click();

  // With streaming off it is the sync call, answering JSON.
  await page.locator("label.switch").click();
  const sync = await copiedCurl();
  expect(sync).toContain(`${baseURL}/reason'`);
  const body = JSON.parse(execFileSync("bash", ["-c", sync], { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] })) as Record<string, unknown>;
  expect(typeof body.run_id).toBe("string");
  expect(typeof body.answer).toBe("string");
  expect(errors).toEqual([]);
});

it("the tree is usable from the keyboard: one Tab stop, arrows move between calls, Enter opens the details", async () => {
  const { page, errors } = ui;
  await page.goto(`${baseURL}/?program=reason`);
  await fill(page, "question", "What is 3 * 3?");
  await page.keyboard.press("Control+Enter");
  await page.locator("#run[data-status=succeeded]").waitFor({ timeout: 60_000 });
  // Roving tabindex: the whole tree is one Tab stop.
  expect(await page.locator('#run .n-row[tabindex="0"]').count()).toBe(1);
  await page.locator('#run .n-row[tabindex="0"]').focus();
  await page.keyboard.press("Home");
  await page.keyboard.press("ArrowDown"); // Predict
  await page.keyboard.press("ArrowDown"); // format
  await page.keyboard.press("ArrowDown"); // lm
  const focused = () => page.evaluate(() => document.activeElement?.closest("li.node")?.getAttribute("data-kind"));
  expect(await focused()).toBe("lm");
  // The focused row is the selected one, the only Tab stop, and its details show beside the tree.
  expect(await page.locator('#run li.node[data-kind=lm] > .n-row[aria-selected="true"][tabindex="0"]').count()).toBe(1);
  expect(await page.locator('#run .n-row[tabindex="0"]').count()).toBe(1);
  expect(await page.locator("#run .detail-pane .d-kind").textContent()).toBe("lm");
  // Enter moves into the details; arrows switch its tabs; Escape comes back to the row.
  await page.keyboard.press("Enter");
  expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.detailTab)).toBe("output");
  await page.keyboard.press("ArrowRight");
  expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.detailTab)).toBe("prompt");
  expect(await page.locator("#run .detail-pane .d-messages .msg-system details").getAttribute("open")).toBeNull();
  // Each message has its copy button: the user message lands on the clipboard verbatim.
  const user = page.locator("#run .detail-pane .msg-user");
  await user.locator("button.copy").click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await user.locator(".msg-content").textContent());
  await page.locator('#run .detail-pane [data-detail-tab="prompt"]').focus();
  await page.keyboard.press("Escape");
  expect(await focused()).toBe("lm");
  // Left on a leaf goes to its parent; Left again folds the parent's children away.
  await page.keyboard.press("ArrowLeft");
  expect(await focused()).toBe("module");
  await page.keyboard.press("ArrowLeft");
  expect(await page.locator("#run li.node[data-kind=module] li.node[data-kind=lm]").first().isVisible()).toBe(false);
  await page.keyboard.press("ArrowRight");
  expect(await page.locator("#run li.node[data-kind=lm]").isVisible()).toBe(true);
  // Tabs switch with the arrow keys too.
  await page.locator("#run [data-tab=tree]").focus();
  await page.keyboard.press("ArrowRight");
  expect(await page.locator("#run").getAttribute("data-tab")).toBe("timeline");
  expect(await page.locator("#run .wf-rows .wf-row").count()).toBe(await page.locator("#run li.node").count());
  expect(errors).toEqual([]);
});
