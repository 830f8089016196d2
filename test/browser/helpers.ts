// What the browser tests compare the page with: the run's full log, read from the
// server with a real SSE parser, and the page's tree and event list, read from the DOM.
import { createParser } from "eventsource-parser";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { RunEvent } from "../../src/dspy/events";

/** The whole stored log of a finished run: `GET /api/runs/{id}/events` replays it and closes. */
export async function fetchLog(baseURL: string, runId: string): Promise<RunEvent[]> {
  const res = await fetch(`${baseURL}/api/runs/${runId}/events`);
  expect(res.status).toBe(200);
  const events: RunEvent[] = [];
  const parser = createParser({ onEvent: (m) => events.push(RunEvent.parse(JSON.parse(m.data))) });
  parser.feed(await res.text());
  return events;
}

export interface DomNode {
  kind: string;
  name: string;
  children: DomNode[];
}

/** The tree as the page shows it: kind and name of each node, nested. */
export async function domTree(page: Page): Promise<DomNode[]> {
  return page.evaluate(() => {
    const read = (ul: Element): DomNode[] =>
      [...ul.children].map((li) => ({
        kind: (li as HTMLElement).dataset.kind ?? "",
        name: (li as HTMLElement).dataset.name ?? "",
        children: read(li.querySelector(":scope > .n-children")!),
      }));
    type DomNode = { kind: string; name: string; children: DomNode[] };
    return read(document.querySelector("#run .tree")!);
  });
}

/** Kinds only, nested: the shape of a tree. */
export function shape(nodes: DomNode[]): unknown[] {
  return nodes.map((n) => (n.children.length ? [n.kind, shape(n.children)] : n.kind));
}

/**
 * Each event of the log shown exactly once: the Events tab lists seq 1..N once each, the
 * tree has one node per call, and each LM node's streamed text is its deltas, each once.
 */
export async function expectShownExactlyOnce(page: Page, log: RunEvent[]): Promise<void> {
  const seqs = await page.locator("#run table.events tbody tr").evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.seq)));
  expect(seqs).toEqual(log.map((e) => e.seq));
  expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));

  const callIds = await page.locator("#run li.node").evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.callId));
  const started = log.filter((e) => e.type.endsWith("_start") && e.type !== "run_start").map((e) => (e as { call_id: string }).call_id);
  expect([...callIds].sort()).toEqual([...started].sort());

  const streamed = await page.locator("#run li.node[data-kind=lm]").evaluateAll((lis) =>
    lis.map((li) => [(li as HTMLElement).dataset.callId, li.querySelector(":scope > .n-live")?.textContent ?? ""]),
  );
  for (const [callId, text] of streamed) {
    const deltas = log.filter((e) => e.type === "lm_delta" && e.call_id === callId).map((e) => (e as { delta: string }).delta);
    expect(deltas.length).toBeGreaterThan(0);
    expect(text).toBe(deltas.join(""));
  }
}

/** Fills a field of the generated form. */
export async function fill(page: Page, field: string, value: string): Promise<void> {
  await page.locator(`[data-field="${field}"]`).fill(value);
}

export async function runIdOf(page: Page): Promise<string> {
  const id = await page.locator("#run").getAttribute("data-run-id");
  expect(id).toBeTruthy();
  return id!;
}

/** The run's status on the server (GET /api/runs/{id}). */
export async function serverRun(baseURL: string, runId: string): Promise<{ status: string; events: number }> {
  const res = await fetch(`${baseURL}/api/runs/${runId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; events: number };
}
