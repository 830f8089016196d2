// The page under its security headers: served with the CSP (scripts from self,
// no inline script, no framing), it still loads, themes itself and runs a
// program live, with no CSP violation reported.
import { describe, expect, inject, it } from "vitest";
import { usePage } from "./browser";
import { fill } from "./helpers";

const baseURL = inject("baseURL");
const ui = usePage();

describe("the UI under its Content-Security-Policy", () => {
  it("is served with the security headers and works without a single violation", async () => {
    const { page, errors } = ui;
    await page.addInitScript(() => {
      (window as unknown as { violations: string[] }).violations = [];
      document.addEventListener("securitypolicyviolation", (e) => {
        (window as unknown as { violations: string[] }).violations.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const res = await page.goto(`${baseURL}/?program=reason`);
    const headers = res!.headers();
    expect(headers["content-security-policy"]).toContain("script-src 'self'");
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("no-referrer");

    // theme.js (no longer inline) ran before the app.
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toMatch(/^(light|dark)$/);
    await fill(page, "question", "What is 2 + 2?");
    await page.keyboard.press("Control+Enter");
    await expect.poll(() => page.locator("#run").getAttribute("data-status"), { timeout: 30_000 }).toBe("succeeded");
    expect(await page.locator("#run li.node").count()).toBeGreaterThan(0);
    // Every view renders under the policy (the timeline positions its bars with styles).
    for (const tab of ["timeline", "events", "tree"]) await page.locator(`#run [data-tab=${tab}]`).click();
    const bar = await page.locator("#run .wf-bar").first().evaluate((el) => (el as HTMLElement).style.left);
    expect(bar).toMatch(/%$/);

    // An inline script injected now is refused by the policy (the CSP is really enforced).
    const ran = await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.inlineRan = true";
      document.body.appendChild(s);
      return (window as unknown as { inlineRan?: boolean }).inlineRan === true;
    });
    expect(ran).toBe(false);
    const violations = await page.evaluate(() => (window as unknown as { violations: string[] }).violations);
    expect(violations).toEqual(["script-src-elem inline"]);
    expect(errors.filter((e) => !e.includes("Content Security Policy"))).toEqual([]);
  });
});
