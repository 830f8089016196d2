// A server with API_TOKEN set: the page asks for the token in one clean sentence pair.
// (The server's message ends with a full stop; the prompt used to add a second one: "cookie).. This".)
import { expect, inject, it } from "vitest";
import { usePage } from "./browser";

const baseURL = inject("baseURL");
const ui = usePage();

it("asks for the API token after a 401, without a doubled full stop", async () => {
  const { page } = ui;
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
  // The program list says what it is waiting for, not that it is still loading.
  expect(await page.locator("#nav").textContent()).toBe("Waiting for the API token.");
});
