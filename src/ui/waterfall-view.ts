// A compact timeline of the same run: one bar per call, placed by start time and
// sized by duration, in tree order. Redrawn on a tick while visible (it is small).
import { h } from "./dom";
import { ms } from "./format";
import { KIND_ICON, nodeTitle } from "./node-summary";
import { walk, type CallStatus, type RunState } from "./run-state";

const STATUS_NOTE: Record<CallStatus, string> = { ok: "", open: " (running)", error: " (failed)", stopped: " (stopped)" };

export class WaterfallView {
  readonly el: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly axis: HTMLElement;
  private drawnAt = -1;
  visible = false;

  constructor(
    private readonly run: RunState,
    private readonly onPick: (callId: string) => void,
  ) {
    this.axis = h("div", { class: "wf-axis" });
    this.rows = h("div", { class: "wf-rows", role: "list" });
    this.el = h("div", { class: "waterfall" }, this.axis, this.rows);
  }

  /** Redraws when visible and something changed (or the run is still going). */
  tick(now: number): void {
    if (!this.visible) return;
    if (this.run.done && this.drawnAt === this.run.lastSeq) return;
    this.draw(now);
    this.drawnAt = this.run.lastSeq;
  }

  private draw(now: number): void {
    const t0 = this.run.summary.startTs;
    if (t0 === null) {
      this.rows.replaceChildren(h("div", { class: "empty" }, "No calls yet."));
      return;
    }
    const nodes = [...walk(this.run.roots)];
    const endOf = (n: (typeof nodes)[number]) => (n.end ? n.start.ts + n.end.duration_ms : now);
    const last = this.run.done
      ? Math.max(t0 + (this.run.summary.durationMs ?? 0), ...nodes.map(endOf))
      : Math.max(now, ...nodes.map(endOf));
    const span = Math.max(1, last - t0);
    const stopped = this.run.stoppedCalls();
    this.axis.replaceChildren(
      ...[0, 0.25, 0.5, 0.75, 1].map((f) => h("span", { style: `left:${f * 100}%` }, ms(f * span))),
    );
    this.rows.replaceChildren(
      ...nodes.map((n) => {
        const start = n.start.ts - t0;
        const dur = endOf(n) - n.start.ts;
        const title = nodeTitle(n);
        // Amber, not red, for calls a cancel or an interruption cut short: they did not fail.
        const status = this.run.callStatus(n, stopped);
        const bar = h("span", {
          class: `wf-bar k-${n.kind} s-${status}`,
          style: `left:${(start / span) * 100}%;width:max(2px, ${(dur / span) * 100}%)`,
        });
        return h(
          "button",
          {
            class: "wf-row",
            type: "button",
            role: "listitem",
            "data-call-id": n.callId,
            title: `${title.primary} ${title.secondary} · starts +${ms(start)} · ${ms(dur)}${STATUS_NOTE[status]}`,
            onclick: () => this.onPick(n.callId),
          },
          h(
            "span",
            { class: "wf-label", style: `padding-left:${n.depth * 12}px` },
            h("span", { class: `n-icon k-${n.kind}` }, KIND_ICON[n.kind]),
            " ",
            title.primary,
          ),
          h("span", { class: "wf-track" }, bar),
          h("span", { class: "wf-dur" }, ms(dur)),
        );
      }),
    );
  }
}
