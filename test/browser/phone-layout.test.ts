// A phone-width screen (390 px): the deepest tree rows keep their duration and token stats in
// view and whole, the tree does not scroll inside the scrolling page, the program strip shows the
// selected program, the timeline's axis labels don't overlap, and the Run button does not
// advertise Ctrl+Enter on a touch screen.
import { expect, inject, it } from "vitest";
import { usePage } from "./browser";
import { fill } from "./helpers";

const baseURL = inject("baseURL");
const ui = usePage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

it("on a 390 px phone every tree row's duration stays inside the pane, with no sideways scroll", async () => {
  const { page, errors } = ui;
  await page.goto(`${baseURL}/?program=math`);
  // No keyboard shortcut is advertised on a touch screen.
  expect(await page.locator("[data-role=run] kbd").isHidden()).toBe(true);
  await fill(page, "question", "What is 2^10 + 3?");
  await page.locator("[data-role=run]").click();
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  const layout = await page.evaluate(() => {
    const pane = document.querySelector<HTMLElement>("#run .pane")!;
    const right = pane.getBoundingClientRect().right;
    const rows = [...document.querySelectorAll<HTMLElement>("#run .n-row")];
    return {
      rows: rows.length,
      outside: rows.filter((r) => r.querySelector(".n-dur")!.getBoundingClientRect().right > right + 0.5).map((r) => r.textContent),
      paneOverflow: pane.scrollWidth - pane.clientWidth,
      pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    };
  });
  // math nests LM calls four levels deep: ProgramOfThought → ChainOfThought → Predict → LM.
  expect(layout.rows).toBeGreaterThanOrEqual(10);
  expect(layout.outside).toEqual([]);
  expect(layout.paneOverflow).toBe(0);
  expect(layout.pageOverflow).toBe(0);
  // Token stats are never cut ("44 to…"): each shows whole, on the row's first line.
  const stats = await page.locator("#run .n-stats").evaluateAll((els) =>
    els.filter((e) => e.textContent).map((e) => ({ text: e.textContent, cut: e.scrollWidth > e.clientWidth + 0.5 })),
  );
  expect(stats.length).toBeGreaterThanOrEqual(4);
  expect(stats.filter((s) => s.cut)).toEqual([]);
  // One scroll, the page's: the tree pane is as tall as its content.
  expect(await page.locator("#run .pane").evaluate((p) => p.scrollHeight - p.clientHeight)).toBe(0);
  // The timeline's axis labels sit apart.
  await page.locator('#run [data-tab="timeline"]').click();
  const ticks = await page.locator("#run .wf-tick").evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.left, r.right]));
  expect(ticks.length).toBeGreaterThanOrEqual(2);
  for (let i = 1; i < ticks.length; i++) expect(ticks[i][0]).toBeGreaterThan(ticks[i - 1][1]);
  expect(errors).toEqual([]);
});

it("on a phone the program strip scrolls to the selected program", async () => {
  const { page, errors } = ui;
  const { programs } = (await (await fetch(`${baseURL}/api/programs`)).json()) as { programs: { name: string }[] };
  const last = programs.at(-1)!.name;
  await page.goto(`${baseURL}/?program=${last}`);
  const selected = page.locator('.program[aria-current="page"]');
  await selected.waitFor();
  const box = await selected.evaluate((el) => {
    const strip = el.closest("ul")!.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    return { inside: r.left >= strip.left - 0.5 && r.right <= strip.right + 0.5, scrolled: el.closest("ul")!.scrollLeft };
  });
  expect(box.scrolled).toBeGreaterThan(0);
  expect(box.inside).toBe(true);
  expect(errors).toEqual([]);
});

it("on a phone a failed run shows its error card on the first screen; a tap on a call opens its details as a sheet", async () => {
  const { page, errors } = ui;
  await page.goto(`${baseURL}/?program=reason`);
  // The demo LM refuses prompts containing `demo:fail` (a demo feature).
  await fill(page, "question", "Why is the sky blue? demo:fail");
  await page.locator("[data-role=run]").click();
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe("failed");
  const card = await page.locator("#run .run-error").boundingBox();
  expect(card!.y).toBeGreaterThanOrEqual(0);
  expect(card!.y + card!.height).toBeLessThanOrEqual(844);
  // Nothing covers it: the failing call is selected, but its sheet waits for a tap.
  expect(await page.locator("#run li.node.failing > .n-row").getAttribute("aria-selected")).toBe("true");
  expect(await page.locator("#run .detail-pane").isHidden()).toBe(true);
  await page.locator("#run li.node.failing > .n-row").tap();
  const sheet = page.locator("#run .detail-pane");
  expect(await sheet.isVisible()).toBe(true);
  const box = (await sheet.boundingBox())!;
  expect(Math.round(box.y + box.height)).toBe(844);
  expect(await sheet.locator("[data-role=detail-error]").isVisible()).toBe(true);
  await sheet.locator(".d-close").tap();
  expect(await sheet.isHidden()).toBe(true);
  expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
});
