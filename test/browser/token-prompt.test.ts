// A server with API_TOKEN set: the page asks for the token in one clean sentence pair.
// (The server's message ends with a full stop; the prompt used to add a second one: "cookie).. This".)
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { launch } from "./browser";

const baseURL = inject("baseURL");
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

it("asks for the API token after a 401, without a doubled full stop", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // The test server runs without API_TOKEN: answer the catalogue as a token-protected server does.
  await page.route("**/api/programs", (route) =>
    route.fulfill({
      status: 401,
      contentType: "application/json",
      body: JSON.stringify({ error: { code: "unauthorized", message: "The API token is not valid.", details: null } }),
    }),
  );
  await page.goto(`${baseURL}/`);
  const prompt = page.locator(".token-form p");
  await prompt.waitFor();
  expect(await prompt.textContent()).toBe("The API token is not valid. This server needs its API token.");
  expect(await page.locator(".token-form input[type=password]").isVisible()).toBe(true);
  await context.close();
});
