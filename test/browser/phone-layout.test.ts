// A phone-width screen (390 px): the deepest tree rows keep their duration in view (it used
// to be pushed a few pixels out of the pane by the LM node's name and token stats), and the
// Run button does not advertise Ctrl+Enter on a touch screen.
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
  expect(errors).toEqual([]);
});
