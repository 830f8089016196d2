// The system Chromium (see chromium.ts), driven by playwright-core: a fresh profile per launch, no network
// besides the local wrangler dev.
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { findChromium } from "./chromium";

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Browser-side failures become test failures' context: console errors and uncaught exceptions. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
  });
  return errors;
}

export interface TestPage {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** What collectErrors gathered from this test's page. */
  readonly errors: string[];
}

/**
 * One browser for the file and a fresh context and page for each test, closed after it.
 * Read the getters inside a test (they change from test to test).
 */
export function usePage(options: BrowserContextOptions = { viewport: { width: 1280, height: 900 } }): TestPage {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext(options);
    page = await context.newPage();
    errors = collectErrors(page);
  });
  afterEach(async () => {
    await context?.close();
  });
  return {
    get browser() {
      return browser;
    },
    get context() {
      return context;
    },
    get page() {
      return page;
    },
    get errors() {
      return errors;
    },
  };
}
