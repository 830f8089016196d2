// Two runs of a program side by side: what went in and came out, each LM call's
// prompt and response, tokens, cost and duration, with the text diffed (jsdiff):
// removed text is marked on the left run, added text on the right.
import { diffLines, diffWordsWithSpace, type ChangeObject } from "diff";
import type { EventOf, RunEvent } from "../dspy/events";
import { lmCalls, type LmCall } from "./lm-calls";
import { getPrices, getRun, runEvents } from "./api";
import { h } from "./dom";
import { count, ms, pretty, timeAgo } from "./format";
import { callCost } from "./prices";
import { inputLine, money } from "./runs-panel";
import type { Prices, RunInfo } from "./types";

/** Diffs over this much text, or taking longer than this, are shown without marks. */
const DIFF_TIMEOUT_MS = 400;

interface LoadedRun {
  info: RunInfo;
  events: RunEvent[];
}

export class CompareView {
  readonly el: HTMLElement;

  constructor(
    private readonly ids: [string, string],
    private readonly onOpen: (runId: string) => void,
    onClose: () => void,
  ) {
    this.el = h(
      "section",
      { class: "compare", "data-role": "compare", "aria-label": "Compare two runs", "aria-busy": "true" },
      h(
        "header",
        { class: "cmp-head" },
        h("h2", {}, "Compare runs"),
        h("span", { class: "spacer" }),
        h("button", { type: "button", class: "btn btn-small", "data-role": "close-compare", onclick: onClose }, "Close"),
      ),
      h("p", { class: "muted", role: "status" }, "Loading both runs…"),
    );
  }

  async load(): Promise<void> {
    let runs: [LoadedRun, LoadedRun];
    let prices: Prices | null = null;
    try {
      const [a, b] = await Promise.all(this.ids.map((id) => loadRun(id)));
      runs = [a, b];
      prices = await getPrices().catch(() => null);
    } catch (e) {
      this.el.lastElementChild?.replaceWith(h("p", { class: "form-error", role: "alert" }, `Could not load the runs: ${(e as Error).message}`));
      this.el.removeAttribute("aria-busy");
      return;
    }
    this.el.lastElementChild?.remove();
    this.el.appendChild(this.summary(runs, prices));
    this.el.appendChild(section("Inputs", valuesDiff(runs[0].info.inputs, runs[1].info.inputs), "inputs"));
    this.el.appendChild(section("Outputs", valuesDiff(runs[0].info.outputs ?? {}, runs[1].info.outputs ?? {}), "outputs"));
    this.el.appendChild(section("LM calls", this.lmCalls(runs, prices), "lm-calls"));
    this.el.removeAttribute("aria-busy");
  }

  private summary([a, b]: [LoadedRun, LoadedRun], prices: Prices | null): HTMLElement {
    const tokens = (r: LoadedRun) => {
      const t = Object.values(r.info.usage).reduce((s, u) => ({ p: s.p + u.prompt_tokens, c: s.c + u.completion_tokens }), { p: 0, c: 0 });
      return `${count(t.p)} → ${count(t.c)}`;
    };
    const cost = (r: LoadedRun) => {
      if (!prices) return "—";
      let total = 0;
      for (const [model, u] of Object.entries(r.info.usage)) {
        const c = callCost(prices, model, u);
        if (c === null) return "—";
        total += c;
      }
      return `${money(total)} est.`;
    };
    const link = (r: LoadedRun) =>
      h(
        "a",
        {
          href: `/runs/${r.info.run_id}`,
          class: "mono",
          onclick: (e: Event) => {
            e.preventDefault();
            this.onOpen(r.info.run_id);
          },
        },
        r.info.run_id.slice(0, 12),
      );
    const rows: [string, (r: LoadedRun) => Node | string][] = [
      ["run", link],
      ["status", (r) => h("span", { class: `pill s-${r.info.status}` }, r.info.status)],
      ["input", (r) => inputLine(r.info.inputs)],
      ["mode", (r) => r.info.mode],
      ["started", (r) => timeAgo(r.info.created_at)],
      ["duration", (r) => (r.info.duration_ms != null ? ms(r.info.duration_ms) : "running")],
      ["tokens", tokens],
      ["cost", cost],
      ["LM calls", (r) => String(lmCalls(r.events).length)],
      ["events", (r) => String(r.info.events)],
      ["error", (r) => (r.info.error ? `${r.info.error.type}: ${r.info.error.message}` : "—")],
      ["feedback", (r) => (r.info.feedback ? `${r.info.feedback.rating === "up" ? "✓ good" : r.info.feedback.rating === "down" ? "✗ bad" : ""} ${r.info.feedback.note}`.trim() : "—")],
    ];
    return h(
      "table",
      { class: "cmp-table", "data-role": "compare-summary" },
      h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", { scope: "col" }, "Run A"), h("th", { scope: "col" }, "Run B"))),
      h(
        "tbody",
        {},
        rows.map(([label, cell]) => {
          const [x, y] = [cell(a), cell(b)];
          const differs = (typeof x === "string" ? x : x.textContent) !== (typeof y === "string" ? y : y.textContent);
          return h("tr", { "data-row": label, class: differs && label !== "run" ? "differs" : null }, h("th", { scope: "row" }, label), h("td", {}, x), h("td", {}, y));
        }),
      ),
    );
  }

  private lmCalls([a, b]: [LoadedRun, LoadedRun], prices: Prices | null): HTMLElement {
    const left = lmCalls(a.events);
    const right = lmCalls(b.events);
    const n = Math.max(left.length, right.length);
    if (n === 0) return h("p", { class: "muted" }, "Neither run called an LM.");
    const items: HTMLElement[] = [];
    for (let i = 0; i < n; i++) {
      const [x, y] = [left[i], right[i]];
      const head = (c: LmCall | undefined) => (c ? callFacts(c, prices) : "no such call");
      const prompt = diffPair(promptText(x), promptText(y), "lines");
      const response = diffPair(x?.end ? responseText(x.end) : "", y?.end ? responseText(y.end) : "", "words");
      const same = prompt.same;
      items.push(
        h(
          "li",
          { class: "cmp-call", "data-call": String(i + 1) },
          h("div", { class: "cmp-call-head" }, h("strong", {}, `#${i + 1} ${x?.module ?? y?.module ?? ""}`), h("span", { class: "muted" }, same ? "same prompt" : `prompt differs (${prompt.changed} lines)`)),
          h("div", { class: "cmp-cols cmp-facts" }, h("div", {}, head(x)), h("div", {}, head(y))),
          h("details", { class: "cmp-prompt", open: !same }, h("summary", {}, "Prompt"), prompt.el),
          h("div", { class: "cmp-label" }, "Response"),
          response.el,
        ),
      );
    }
    return h("ol", { class: "cmp-calls" }, items);
  }
}

async function loadRun(id: string): Promise<LoadedRun> {
  const info = await getRun(id);
  // A live run's stream stays open: compare what it has so far, from its summary only.
  const events = info.status === "running" ? [] : await runEvents(id);
  return { info, events };
}

function callFacts(c: LmCall, prices: Prices | null): string {
  const parts: string[] = [c.start.model];
  const u = c.end?.usage;
  if (u) parts.push(`${count(u.prompt_tokens)} → ${count(u.completion_tokens)} tok`);
  if (c.end?.duration_ms != null) parts.push(ms(c.end.duration_ms));
  const cost = u && prices ? callCost(prices, c.start.model, u) : null;
  if (cost !== null) parts.push(`${money(cost)} est.`);
  if (c.end?.error) parts.push(`error: ${c.end.error.message}`);
  return parts.join(" · ");
}

function promptText(c: LmCall | undefined): string {
  if (!c) return "";
  return c.start.messages.map((m) => `── ${m.role} ──\n${m.content}`).join("\n\n");
}

function responseText(end: EventOf<"lm_end">): string {
  return end.texts && end.texts.length > 1 ? end.texts.map((t, i) => `── completion ${i + 1} ──\n${t}`).join("\n\n") : (end.text ?? "");
}

function section(title: string, body: HTMLElement, role: string): HTMLElement {
  return h("section", { class: "cmp-section", "data-role": `compare-${role}` }, h("h3", {}, title), body);
}

/** Each field of either side, diffed by words. */
function valuesDiff(a: Record<string, unknown>, b: Record<string, unknown>): HTMLElement {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  if (names.length === 0) return h("p", { class: "muted" }, "None.");
  return h(
    "dl",
    { class: "cmp-fields" },
    names.flatMap((name) => {
      const pair = diffPair(name in a ? pretty(a[name]) : "", name in b ? pretty(b[name]) : "", "words");
      return [h("dt", {}, h("span", { class: "field-name" }, name), pair.same ? h("span", { class: "muted" }, "same") : h("span", { class: "cmp-changed" }, "differs")), h("dd", { "data-field": name }, pair.el)];
    }),
  );
}

/** Two columns: the left text with what B lacks struck out, the right with what B adds marked. */
function diffPair(left: string, right: string, by: "lines" | "words"): { el: HTMLElement; same: boolean; changed: number } {
  const columns = (a: (Node | string)[], b: (Node | string)[]) => h("div", { class: "cmp-cols" }, h("pre", { class: "cmp-text", "data-side": "a" }, a), h("pre", { class: "cmp-text", "data-side": "b" }, b));
  if (left === right) return { el: columns([left || "—"], [right || "—"]), same: true, changed: 0 };
  const changes: ChangeObject<string>[] | undefined =
    by === "lines" ? diffLines(left, right, { timeout: DIFF_TIMEOUT_MS }) : diffWordsWithSpace(left, right, { timeout: DIFF_TIMEOUT_MS });
  if (!changes) return { el: columns([left], [right]), same: false, changed: 0 };
  const a: (Node | string)[] = [];
  const b: (Node | string)[] = [];
  let changed = 0;
  for (const c of changes) {
    if (c.added) {
      b.push(h("ins", {}, c.value));
      changed += c.count ?? 1;
    } else if (c.removed) {
      a.push(h("del", {}, c.value));
      changed += c.count ?? 1;
    } else {
      const text = by === "lines" ? foldLines(c.value) : c.value;
      a.push(typeof text === "string" ? text : text.cloneNode(true));
      b.push(text);
    }
  }
  return { el: columns(a, b), same: false, changed };
}

/** A long run of unchanged prompt lines keeps 3 lines of context each side; the middle folds into a marker. */
function foldLines(text: string): string | DocumentFragment {
  const lines = text.split(/(?<=\n)/);
  if (lines.length <= 9) return text;
  const fragment = document.createDocumentFragment();
  fragment.appendChild(document.createTextNode(lines.slice(0, 3).join("")));
  const hidden = lines.slice(3, -3).join("");
  const fold = h("span", { class: "cmp-fold", title: "unchanged lines" }, `⋯ ${lines.length - 6} unchanged lines ⋯\n`);
  const more = h("details", { class: "cmp-fold-more" }, h("summary", {}, fold), hidden);
  fragment.appendChild(more);
  fragment.appendChild(document.createTextNode(lines.slice(-3).join("")));
  return fragment;
}
