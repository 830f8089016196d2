// Bad input in the form: every problem in one round, each on its field, with the
// index inside a list kept; numbers the browser cannot hold; blank required text
// (refused by the server too); a body over the server's limit shown on the field.
import type { Page } from "playwright-core";
import { expect, inject, it } from "vitest";
import { usePage } from "./browser";
import { fill } from "./helpers";

const baseURL = inject("baseURL");
const ui = usePage();

/** Counts the runs the page starts (any POST that would run a program). */
function countRunPosts(page: Page): () => number {
  let n = 0;
  page.on("request", (r) => {
    if (r.method() === "POST" && !new URL(r.url()).pathname.startsWith("/api/runs/")) n++;
  });
  return () => n;
}

const errorOf = (page: Page, field: string) => page.locator(`[data-error-for="${field}"]`);
const focused = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.field);

it("shows every problem at once, on its field: an item's index in a list, 1e400 in a float, a missing field", async () => {
  const { page, errors } = ui;
  const posts = countRunPosts(page);
  await page.goto(`${baseURL}/?program=stats`);
  await fill(page, "numbers", '[1, "two", 3, null]');
  await fill(page, "scale", "1e400");
  await page.locator("[data-role=run]").click();
  expect(await errorOf(page, "numbers").textContent()).toBe('numbers.1: expected number, got string "two"; numbers.3: expected number, got null null');
  expect(await errorOf(page, "scale").textContent()).toBe('"1e400" is too large: a float must be between -1.8e308 and 1.8e308');
  expect(await page.locator('[data-field="scale"]').getAttribute("aria-invalid")).toBe("true");
  expect(await focused(page)).toBe("numbers");
  expect(posts()).toBe(0);

  // A required field left empty is named in the same round, in the server's words.
  await fill(page, "numbers", "");
  await fill(page, "scale", "abc");
  await page.locator("[data-role=run]").click();
  expect(await errorOf(page, "numbers").textContent()).toBe("missing required input field (list[float])");
  expect(await errorOf(page, "scale").textContent()).toBe('expected a number, got "abc"');
  expect(posts()).toBe(0);

  // Fixed, it runs, and the errors are gone.
  await fill(page, "numbers", "[1, 2, 3]");
  await fill(page, "scale", "2.5");
  await page.locator("[data-role=run]").click();
  await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
  expect(await page.locator('[data-output="result"]').textContent()).toBe("5");
  expect(await errorOf(page, "numbers").isHidden()).toBe(true);
  expect(errors).toEqual([]);
});

it("a server-side list error keeps its index on the field", async () => {
  const { page, errors } = ui;
  // The page would catch this itself; send it as a client that skipped the checks would.
  const res = await fetch(`${baseURL}/stats`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ numbers: [1, "x"], statistic: "sum", scale: 1 }) });
  const body = (await res.json()) as { error: { message: string; details: unknown } };
  expect(res.status).toBe(400);
  await page.goto(`${baseURL}/?program=stats`);
  // Route the same 400 into the page: intercept the run request and answer with it.
  await page.route("**/stats/stream", (route) => route.fulfill({ status: 400, contentType: "application/json", body: JSON.stringify(body) }));
  await fill(page, "numbers", "[1, 2]");
  await fill(page, "scale", "1");
  await page.locator("[data-role=run]").click();
  const issue = (body.error.details as { issues: { field: string; message: string }[] }).issues[0];
  expect(issue.field).toBe("numbers.1");
  await expect.poll(() => errorOf(page, "numbers").textContent()).toBe(`numbers.1: ${issue.message}`);
  expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
});

it("a blank question is refused in the page and by the server, in the same words", async () => {
  const { page, errors } = ui;
  const posts = countRunPosts(page);
  await page.goto(`${baseURL}/?program=qa`);
  await fill(page, "question", "   \n  ");
  await page.locator("[data-role=run]").click();
  expect(await errorOf(page, "question").textContent()).toBe("must not be empty or only whitespace (str)");
  expect(await focused(page)).toBe("question");
  expect(posts()).toBe(0);
  const res = await fetch(`${baseURL}/qa`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "   \n  " }) });
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: { details: { issues: { field: string; message: string }[] } } };
  expect(body.error.details.issues).toEqual([{ field: "question", message: "must not be empty or only whitespace (str)" }]);
  expect(errors).toEqual([]);
});

it("a body over the server's limit is shown on the field, with its size and the limit", async () => {
  const { page, errors } = ui;
  await page.goto(`${baseURL}/?program=qa`);
  await page.locator("[data-field=question]").evaluate((el, n) => {
    (el as HTMLTextAreaElement).value = "a".repeat(n);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }, 1_200_000);
  const answer = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/qa");
  await page.locator("[data-role=run]").click();
  expect((await answer).status()).toBe(413);
  await expect.poll(() => errorOf(page, "question").textContent()).toBe(
    "Too large: this field is 1.14 MB (the whole request 1.14 MB). The server accepts at most 1.00 MB per request.",
  );
  expect(await page.locator("#banner").isHidden()).toBe(true);
  expect(await focused(page)).toBe("question");
  expect(errors.filter((e) => !/status of 413/.test(e))).toEqual([]);
});
