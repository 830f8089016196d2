// The raw event log of a run, one row per applied event (seq order): what came over the wire.
import type { RunEvent } from "../dspy/events";
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
      return JSON.stringify(e.delta);
    default:
      return "error" in e && e.error ? `${e.error.type}: ${e.error.message}` : "";
  }
}

export class EventsView {
  readonly el: HTMLElement;
  private readonly body: HTMLTableSectionElement;

  constructor(run: RunState) {
    this.body = h("tbody", {});
    this.el = h(
      "div",
      { class: "events-wrap" },
      h(
        "table",
        { class: "events" },
        h("thead", {}, h("tr", {}, h("th", {}, "seq"), h("th", {}, "+ms"), h("th", {}, "type"), h("th", {}, "name"), h("th", {}, "detail"))),
        this.body,
      ),
    );
    for (const e of run.events) this.add(e, run);
    run.subscribe((c) => this.add(c.event, run));
  }

  private add(e: RunEvent, run: RunState): void {
    const t0 = run.summary.startTs ?? e.ts;
    const row = h(
      "tr",
      { "data-seq": e.seq, class: `t-${e.type}` },
      h("td", { class: "num" }, e.seq),
      h("td", { class: "num" }, Math.max(0, Math.round(e.ts - t0))),
      h("td", {}, e.type),
      h("td", {}, "name" in e ? e.name : ""),
      h("td", { class: "ev-brief" }, preview(brief(e), 160)),
    );
    row.title = JSON.stringify(e, null, 2).slice(0, 4000);
    this.body.appendChild(row);
  }
}
