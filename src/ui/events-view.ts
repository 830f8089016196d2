// The raw event log of a run, one row per applied event (seq order): what came over the wire.
// Filter by type (token deltas hidden at first: they are most of an agent's log) and search;
// a row opens the event's full JSON in a dialog, from a click, a tap or Enter.
import type { RunEvent } from "../dspy/events";
import { copyText } from "./curl";
import { h } from "./dom";
import { preview } from "./format";
import type { RunState } from "./run-state";

function brief(e: RunEvent): string {
  switch (e.type) {
    case "run_start":
      return `${e.program} (${e.module})`;
    case "run_end":
      return `${e.status}${e.error ? `: ${e.error.message}` : ""}`;
    case "lm_delta":
      return `${e.field ? `${e.field}: ` : ""}${JSON.stringify(e.delta)}`;
    case "lm_retry":
      return `attempt ${e.attempt} failed (${e.status === null ? "no response" : `HTTP ${e.status}`}), retrying in ${e.wait_ms} ms: ${e.error.message}`;
    default:
      return "error" in e && e.error ? `${e.error.type}: ${e.error.message}` : "";
  }
}

/** Types hidden until asked for. */
const HIDDEN_AT_FIRST = new Set(["lm_delta"]);

export class EventsView {
  readonly el: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly filters: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly shownCount: HTMLElement;
  private readonly dialog: HTMLDialogElement;
  private readonly counts = new Map<string, { n: number; label: HTMLElement }>();
  private readonly hiddenTypes = new Set(HIDDEN_AT_FIRST);
  private readonly rows: { event: RunEvent; row: HTMLTableRowElement; text: string }[] = [];
  private query = "";
  private shown = 0;

  constructor(private readonly run: RunState) {
    this.body = h("tbody", {});
    this.filters = h("div", { class: "ev-filters", role: "group", "aria-label": "Event types shown" });
    this.search = h("input", { type: "search", class: "ev-search", placeholder: "Search events", "aria-label": "Search events" });
    this.search.addEventListener("input", () => {
      this.query = this.search.value.trim().toLowerCase();
      this.applyFilter();
    });
    this.shownCount = h("span", { class: "ev-shown muted", "aria-live": "polite" });
    this.dialog = h("dialog", { class: "ev-dialog", "aria-label": "Event JSON" });
    this.el = h(
      "div",
      { class: "events-wrap" },
      h("div", { class: "ev-tools" }, this.search, this.filters, this.shownCount),
      h(
        "table",
        { class: "events" },
        h("thead", {}, h("tr", {}, h("th", {}, "seq"), h("th", {}, "+ms"), h("th", {}, "type"), h("th", {}, "name"), h("th", {}, "detail"))),
        this.body,
      ),
      this.dialog,
    );
    this.body.addEventListener("click", (e) => this.openRow(e.target));
    this.body.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      this.openRow(e.target);
    });
    for (const e of run.events) this.add(e);
    run.subscribe((c) => this.add(c.event));
  }

  private add(e: RunEvent): void {
    const t0 = this.run.summary.startTs ?? e.ts;
    const row = h(
      "tr",
      { "data-seq": e.seq, class: `t-${e.type}`, tabindex: "0", title: "Open the event's JSON" },
      h("td", { class: "num" }, e.seq),
      h("td", { class: "num" }, Math.max(0, Math.round(e.ts - t0))),
      h("td", {}, e.type),
      h("td", {}, "name" in e ? e.name : ""),
      h("td", { class: "ev-brief" }, preview(brief(e), 160)),
    );
    const text = JSON.stringify(e).toLowerCase();
    row.hidden = !this.matches(e, text);
    this.shown += Number(!row.hidden);
    this.rows.push({ event: e, row, text });
    this.body.appendChild(row);
    this.count(e.type);
  }

  private matches(e: RunEvent, text: string): boolean {
    return !this.hiddenTypes.has(e.type) && (!this.query || text.includes(this.query));
  }

  private count(type: string): void {
    let entry = this.counts.get(type);
    if (!entry) {
      const box = h("input", { type: "checkbox", "data-type": type });
      box.checked = !this.hiddenTypes.has(type);
      box.addEventListener("change", () => {
        if (box.checked) this.hiddenTypes.delete(type);
        else this.hiddenTypes.add(type);
        this.applyFilter();
      });
      const label = h("span", { class: "ev-count" });
      this.filters.appendChild(h("label", { class: "ev-filter", "data-type": type }, box, ` ${type} `, label));
      entry = { n: 0, label };
      this.counts.set(type, entry);
    }
    entry.n++;
    entry.label.textContent = String(entry.n);
    this.updateShown();
  }

  private applyFilter(): void {
    this.shown = 0;
    for (const r of this.rows) {
      r.row.hidden = !this.matches(r.event, r.text);
      this.shown += Number(!r.row.hidden);
    }
    this.updateShown();
  }

  /** Counted as rows come and filters change: an agent's log has thousands of deltas. */
  private updateShown(): void {
    this.shownCount.textContent = `${this.shown} of ${this.rows.length} shown`;
  }

  private openRow(target: EventTarget | null): void {
    const row = (target as HTMLElement | null)?.closest<HTMLTableRowElement>("tr[data-seq]");
    const entry = row && this.rows[Number(row.dataset.seq) - 1];
    if (!row || !entry) return;
    const json = JSON.stringify(entry.event, null, 2);
    const copy = h("button", { type: "button", class: "btn btn-small" }, "Copy");
    copy.addEventListener("click", async () => (copy.textContent = (await copyText(json)) ? "Copied" : "Blocked"));
    const close = h("button", { type: "button", class: "btn btn-small", "data-role": "close" }, "Close");
    close.addEventListener("click", () => this.dialog.close());
    this.dialog.replaceChildren(
      h("div", { class: "ev-dialog-head" }, h("strong", {}, `#${entry.event.seq} ${entry.event.type}`), h("span", { class: "spacer" }), copy, close),
      h("pre", { class: "ev-json", tabindex: "0" }, json),
    );
    this.dialog.onclose = () => row.focus();
    this.dialog.showModal();
    close.focus();
  }
}
