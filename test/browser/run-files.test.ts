// A run shared as a file: exported on one side, imported on the other, opened
// at its new permalink like any run, and saved again with the page's Download button.
import { readFile } from "node:fs/promises";
import { describe, expect, inject, it } from "vitest";
import type { RunEvent } from "../../src/dspy/events";
import { usePage } from "./browser";
import { expectShownExactlyOnce, fetchLog } from "./helpers";

const baseURL = inject("baseURL");
const ui = usePage();

describe("export, import, Download", () => {
  it("an imported run replays at its permalink, and Download saves the same file", async () => {
    const ran = await fetch(`${baseURL}/reason`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "Why is the sky blue?" }) });
    const { run_id: original } = (await ran.json()) as { run_id: string };
    const file = await (await fetch(`${baseURL}/api/runs/${original}/export`)).text();
    const imported = await fetch(`${baseURL}/api/runs/import`, { method: "POST", headers: { "content-type": "application/json" }, body: file });
    expect(imported.status).toBe(201);
    const { run_id: runId } = (await imported.json()) as { run_id: string };

    const { page, errors } = ui;
    await page.goto(`${baseURL}/runs/${runId}`);
    await expect.poll(() => page.locator("#run").getAttribute("data-status")).toBe("succeeded");
    await page.locator("[data-tab=events]").click();
    const log = await fetchLog(baseURL, runId);
    expect(log.map((e) => ({ ...e, run_id: original }))).toEqual((JSON.parse(file) as { events: RunEvent[] }).events);
    await expectShownExactlyOnce(page, log);

    const download = page.waitForEvent("download");
    await page.locator("[data-role=download]").click();
    const saved = await download;
    expect(saved.suggestedFilename()).toBe(`reason-${runId}.json`);
    const doc = JSON.parse(await readFile((await saved.path())!, "utf8")) as { run: { run_id: string; mode: string }; events: RunEvent[] };
    expect(doc.run).toMatchObject({ run_id: runId, mode: "imported" });
    expect(doc.events).toEqual(log);
    expect(errors).toEqual([]);
  });

  it("dropping a run file on the page imports it and opens it; a bad file says why", async () => {
    const ran = await fetch(`${baseURL}/qa`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "Who was Ada Lovelace?" }) });
    const { run_id: original } = (await ran.json()) as { run_id: string };
    const file = await (await fetch(`${baseURL}/api/runs/${original}/export?format=jsonl`)).text();
    const { page, errors } = ui;
    await page.goto(`${baseURL}/?program=qa`);
    await page.locator("body[data-ready]").waitFor();
    const drop = (name: string, text: string) =>
      page.evaluate(([n, t]) => {
        const data = new DataTransfer();
        data.items.add(new File([t], n, { type: "application/octet-stream" }));
        for (const type of ["dragover", "drop"]) window.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
      }, [name, text] as const);

    await drop("broken.json", '{"format":"dspy-edge.run"}');
    await expect.poll(() => page.locator("#banner").textContent()).toMatch(/Import failed The file has no `events` array/);

    await drop(`qa-${original}.jsonl`, file);
    await page.waitForURL(/\/runs\/[0-9a-f]{32}$/);
    const runId = new URL(page.url()).pathname.split("/").pop()!;
    expect(runId).not.toBe(original);
    await expect.poll(() => page.locator("#run").getAttribute("data-status")).toBe("succeeded");
    const log = await fetchLog(baseURL, runId);
    expect(log.map((e) => ({ ...e, run_id: original }))).toEqual(await fetchLog(baseURL, original));
    // The 400 of the broken file is the only console complaint.
    expect(errors.filter((e) => !/400/.test(e))).toEqual([]);
  });
});
