// A compact timeline of the same run: one bar per call, placed by start time and sized by
// duration, in tree order, labelled by module path (three parallel ChainOfThoughts read apart).
// LM bars mark the first token; zoom widens the time axis (the labels stay put while it
// scrolls). Redrawn on a tick while visible (it is small).
import { h } from "./dom";
import { ms } from "./format";
import { KIND_ICON, nodeTitle, stepLabel } from "./node-summary";
import { walk, type CallNode, type CallStatus, type RunState } from "./run-state";

const STATUS_NOTE: Record<CallStatus, string> = { ok: "", open: " (running)", error: " (failed)", stopped: " (stopped)" };
const ZOOMS = [1, 2, 4, 8, 16];

/** What a row is called: a module by its path, anything else by what it is (model, tool, adapter). */
function rowLabel(n: CallNode, parent: CallNode | null): { text: string; full: string } {
  const title = nodeTitle(n);
  const step = stepLabel(n, parent);
  const base = n.kind === "module" ? n.name : title.primary;
  return { text: step ? `${base} · ${step}` : base, full: `${n.kind} ${n.kind === "module" ? `${title.primary} ${n.name}` : title.primary}${step ? ` (${step})` : ""}` };
}

export class WaterfallView {
  readonly el: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly axis: HTMLElement;
  private readonly zoomLabel: HTMLElement;
  private drawnAt = -1;
  private zoom = 1;
  visible = false;

  constructor(
    private readonly run: RunState,
    private readonly onPick: (callId: string) => void,
  ) {
    this.axis = h("div", { class: "wf-axis-track" });
    this.rows = h("div", { class: "wf-rows", role: "list" });
    this.zoomLabel = h("span", { class: "wf-zoom-level", "aria-live": "polite" }, "1×");
    const zoomBtn = (label: string, title: string, step: number) =>
      h("button", { type: "button", class: "btn btn-small", title, "aria-label": title, "data-zoom": step, onclick: () => this.setZoom(step) }, label);
    const scroller = h(
      "div",
      { class: "wf-scroll" },
      h("div", { class: "wf-row wf-axis", "aria-hidden": "true" }, h("span", { class: "wf-label" }), this.axis, h("span", { class: "wf-dur" })),
      this.rows,
    );
    this.el = h(
      "div",
      { class: "waterfall" },
      h("div", { class: "wf-tools" }, zoomBtn("−", "Zoom out", -1), this.zoomLabel, zoomBtn("+", "Zoom in", 1), zoomBtn("Fit", "Fit the whole run", 0)),
      scroller,
    );
  }

  /** Redraws when visible and something changed (or the run is still going). */
  tick(now: number): void {
    if (!this.visible) return;
    if (this.run.done && this.drawnAt === this.run.lastSeq) return;
    this.draw(now);
    this.drawnAt = this.run.lastSeq;
  }

  private setZoom(step: number): void {
    const i = ZOOMS.indexOf(this.zoom);
    this.zoom = step === 0 ? 1 : ZOOMS[Math.min(ZOOMS.length - 1, Math.max(0, i + step))];
    this.el.style.setProperty("--zoom", String(this.zoom));
    this.el.dataset.zoom = String(this.zoom);
    this.zoomLabel.textContent = `${this.zoom}×`;
    this.drawnAt = -1;
    this.draw(Date.now());
  }

  private draw(now: number): void {
    const t0 = this.run.summary.startTs;
    if (t0 === null) {
      this.rows.replaceChildren(h("div", { class: "empty" }, "No calls yet."));
      return;
    }
    const nodes = [...walk(this.run.roots)];
    const endOf = (n: CallNode) => (n.end ? n.start.ts + n.end.duration_ms : now);
    const last = this.run.done
      ? Math.max(t0 + (this.run.summary.durationMs ?? 0), ...nodes.map(endOf))
      : Math.max(now, ...nodes.map(endOf));
    const span = Math.max(1, last - t0);
    const stopped = this.run.stoppedCalls();
    this.drawAxis(span);
    this.rows.replaceChildren(
      ...nodes.map((n) => {
        const start = n.start.ts - t0;
        const dur = endOf(n) - n.start.ts;
        const parent = n.parentId ? (this.run.nodes.get(n.parentId) ?? null) : null;
        const label = rowLabel(n, parent);
        // Amber, not red, for calls a cancel or an interruption cut short: they did not fail.
        const status = this.run.callStatus(n, stopped);
        const bar = h("span", { class: `wf-bar k-${n.kind} s-${status}` });
        bar.style.left = `${(start / span) * 100}%`;
        bar.style.width = `max(2px, ${(dur / span) * 100}%)`;
        let notes = "";
        if (n.kind === "lm" && n.firstTokenTs !== null && dur > 0) {
          // Time to first token: a tick inside the bar, where the first token arrived.
          const first = n.firstTokenTs - n.start.ts;
          const mark = h("span", { class: "wf-ttft", title: `first token after ${ms(first)}` });
          mark.style.left = `${Math.min(100, (first / dur) * 100)}%`;
          bar.appendChild(mark);
          notes = ` · first token +${ms(first)}`;
        }
        // Each retried attempt ends where its lm_retry came: a mark there, the wait after it.
        for (const retry of n.retries) {
          const mark = h("span", { class: "wf-retry", title: `attempt ${retry.attempt} failed (${retry.status ?? "no response"}), waited ${ms(retry.wait_ms)}` });
          mark.style.left = `${dur > 0 ? Math.min(100, ((retry.ts - n.start.ts) / dur) * 100) : 0}%`;
          bar.appendChild(mark);
        }
        if (n.retries.length) notes += ` · ${n.retries.length} retried attempt${n.retries.length > 1 ? "s" : ""}`;
        const text = h("span", { class: "wf-label-text" }, label.text);
        const labelEl = h("span", { class: "wf-label" }, h("span", { class: `n-icon k-${n.kind}` }, KIND_ICON[n.kind]), " ", text);
        labelEl.style.paddingLeft = `${n.depth * 10 + 8}px`;
        return h(
          "button",
          {
            class: "wf-row",
            type: "button",
            role: "listitem",
            "data-call-id": n.callId,
            title: `${label.full} · starts +${ms(start)} · ${ms(dur)}${notes}${STATUS_NOTE[status]}`,
            onclick: () => this.onPick(n.callId),
          },
          labelEl,
          h("span", { class: "wf-track" }, bar),
          h("span", { class: "wf-dur" }, ms(dur)),
        );
      }),
    );
  }

  /** As many ticks as fit without touching: about one per 80 px of track. */
  private drawAxis(span: number): void {
    const width = this.axis.clientWidth || 400;
    const n = Math.max(1, Math.min(8 * this.zoom, Math.floor(width / 80)));
    const ticks = Array.from({ length: n + 1 }, (_, i) => i / n);
    this.axis.replaceChildren(
      ...ticks.map((f, i) => {
        const tick = h("span", { class: `wf-tick${i === 0 ? " first" : i === n ? " last" : ""}` }, ms(f * span));
        tick.style.left = `${f * 100}%`;
        return tick;
      }),
    );
  }
}
