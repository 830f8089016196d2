// The live tree: one element per call, nested by parent_id, updated in place as
// events arrive (a token appends text, it never re-renders the tree).
import { append, h } from "./dom";
import { ms } from "./format";
import { renderDetail } from "./node-detail";
import { KIND_ICON, KIND_LABEL, lmStats, nodeSummary, nodeTitle } from "./node-summary";
import type { CallNode, CallStatus, Change, RunState } from "./run-state";

interface NodeView {
  node: CallNode;
  li: HTMLLIElement;
  row: HTMLElement;
  summary: HTMLElement;
  stats: HTMLElement;
  dur: HTMLElement;
  live: HTMLPreElement | null;
  detail: HTMLElement;
  children: HTMLUListElement;
  /** The "stopped" badge, made when a call turns out to have been cut short. */
  badge: HTMLElement | null;
  expanded: boolean;
}

export class TreeView {
  readonly el: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly views = new Map<string, NodeView>();
  private readonly open = new Set<NodeView>();

  constructor(private readonly run: RunState) {
    this.list = h("ul", { class: "tree", role: "tree", "aria-label": "Calls of this run" });
    this.el = h("div", { class: "tree-wrap" }, this.list);
    this.list.addEventListener("keydown", (e) => this.onKey(e));
    for (const node of run.roots) this.addRecursive(node);
    if (run.done) this.settle();
    run.subscribe((c) => this.onChange(c));
  }

  /** Updates durations and rates of calls still running. */
  tick(now: number): void {
    for (const v of this.open) {
      v.dur.textContent = ms(now - v.node.start.ts);
      if (v.node.kind === "lm") this.updateStats(v, now);
    }
  }

  setAll(expanded: boolean): void {
    for (const v of this.views.values()) this.setExpanded(v, expanded);
  }

  /** Marks the node where the run failed, opens it and brings it into view. */
  highlight(callId: string): void {
    for (const v of this.views.values()) v.li.classList.remove("failing");
    const v = this.views.get(callId);
    if (!v) return;
    v.li.classList.add("failing");
    this.setExpanded(v, true);
    v.row.scrollIntoView({ block: "center" });
    v.row.focus({ preventScroll: true });
  }

  private onChange(change: Change): void {
    if (change.kind === "run_end") return this.settle();
    if (!("node" in change)) return;
    const v = change.kind === "node_start" ? this.add(change.node) : this.views.get(change.node.callId);
    if (!v) return;
    if (change.kind === "node_delta") {
      // Appending a text node costs the size of the token; `textContent +=` would copy the whole
      // response so far on every token.
      const delta = change.event.delta;
      if (v.live) append(v.live, [delta]);
      const response = v.expanded ? v.detail.querySelector(".d-response") : null;
      if (response) append(response, [delta]);
      v.summary.textContent = nodeSummary(v.node);
      return;
    }
    if (change.kind === "node_end") this.finish(v);
  }

  /**
   * The run ended: stop the clocks of calls that never did (interrupted, killed), and only now,
   * knowing how the run ended, redraw as stopped the calls a cancel or an interruption cut short
   * (they ended with an error but did not fail).
   */
  private settle(): void {
    for (const v of this.open) {
      v.li.classList.remove("open");
      v.li.classList.add("unfinished");
      v.dur.textContent = "no end";
      v.dur.title = "the run ended before this call did";
    }
    this.open.clear();
    const stopped = this.run.stoppedCalls();
    for (const v of this.views.values()) this.setStatus(v, this.run.callStatus(v.node, stopped));
  }

  private setStatus(v: NodeView, status: CallStatus): void {
    v.li.dataset.status = status;
    v.li.classList.toggle("error", status === "error");
    v.li.classList.toggle("stopped", status === "stopped");
    if (status !== "stopped") {
      v.badge?.remove();
      v.badge = null;
      v.row.removeAttribute("title");
      return;
    }
    // Said in words, not only in amber: the badge is read out with the row and has a tooltip.
    const end = this.run.summary.status;
    const why = `stopped: the run ${end === "cancelled" || end === "interrupted" ? `was ${end}` : "ended"} before this call finished`;
    v.badge ??= v.row.insertBefore(h("span", { class: "n-status" }, "stopped"), v.summary);
    v.badge.title = why;
    v.row.title = why;
  }

  private addRecursive(node: CallNode): void {
    const v = this.add(node);
    if (node.end) this.finish(v);
    for (const child of node.children) this.addRecursive(child);
  }

  private add(node: CallNode): NodeView {
    const title = nodeTitle(node);
    const summary = h("span", { class: "n-summary" }, nodeSummary(node));
    const stats = h("span", { class: "n-stats" });
    const dur = h("span", { class: "n-dur" });
    const row = h(
      "div",
      { class: "n-row", tabindex: "0", role: "treeitem", "aria-expanded": "false" },
      h("span", { class: "n-twisty", "aria-hidden": "true" }),
      h("span", { class: "n-icon", "aria-hidden": "true" }, KIND_ICON[node.kind]),
      h("span", { class: "n-kind" }, KIND_LABEL[node.kind]),
      h("span", { class: "n-name" }, title.primary),
      title.secondary ? h("span", { class: "n-path" }, title.secondary) : null,
      summary,
      stats,
      dur,
    );
    row.addEventListener("click", () => this.toggle(node.callId));
    const live = node.kind === "lm" ? h("pre", { class: "n-live", "aria-live": "off" }, node.text) : null;
    const detail = h("div", { class: "n-detail", hidden: true });
    const children = h("ul", { class: "n-children", role: "group" });
    const li = h(
      "li",
      {
        class: `node k-${node.kind} open`,
        "data-call-id": node.callId,
        "data-kind": node.kind,
        "data-name": node.name,
        "data-start-seq": node.start.seq,
      },
      row,
      live,
      detail,
      children,
    );
    const v: NodeView = { node, li, row, summary, stats, dur, live, detail, children, badge: null, expanded: false };
    this.views.set(node.callId, v);
    this.open.add(v);
    const parent = node.parentId ? this.views.get(node.parentId) : undefined;
    (parent ? parent.children : this.list).appendChild(li);
    return v;
  }

  private finish(v: NodeView): void {
    const end = v.node.end;
    if (!end) return;
    this.open.delete(v);
    v.li.classList.remove("open");
    v.li.dataset.endSeq = String(end.seq);
    this.setStatus(v, this.run.callStatus(v.node));
    v.dur.textContent = ms(end.duration_ms);
    v.summary.textContent = nodeSummary(v.node);
    v.summary.title = v.summary.textContent;
    this.updateStats(v, end.ts);
    // The streamed text stays in the detail; the row's summary keeps its gist.
    if (v.live) v.live.hidden = true;
    if (v.expanded) v.detail.replaceChildren(renderDetail(v.node));
  }

  private updateStats(v: NodeView, now: number): void {
    const stats = lmStats(v.node, now);
    v.stats.textContent = stats?.text ?? "";
    v.stats.title = stats?.title ?? "";
  }

  private toggle(callId: string): void {
    const v = this.views.get(callId);
    if (v) this.setExpanded(v, !v.expanded);
  }

  private setExpanded(v: NodeView, expanded: boolean): void {
    if (expanded && !v.expanded) v.detail.replaceChildren(renderDetail(v.node));
    v.expanded = expanded;
    v.detail.hidden = !expanded;
    v.li.classList.toggle("expanded", expanded);
    v.row.setAttribute("aria-expanded", String(expanded));
  }

  /** Arrow keys move between rows, Enter/Space opens a row's details, Left/Right close/open. */
  private onKey(e: KeyboardEvent): void {
    const row = (e.target as HTMLElement).closest<HTMLElement>(".n-row");
    if (!row) return;
    const callId = row.parentElement?.dataset.callId;
    const v = callId ? this.views.get(callId) : undefined;
    if (!v) return;
    const rows = [...this.list.querySelectorAll<HTMLElement>(".n-row")];
    const i = rows.indexOf(row);
    switch (e.key) {
      case "Enter":
      case " ":
        this.setExpanded(v, !v.expanded);
        break;
      case "ArrowRight":
        this.setExpanded(v, true);
        break;
      case "ArrowLeft":
        if (v.expanded) this.setExpanded(v, false);
        else if (v.node.parentId) this.views.get(v.node.parentId)?.row.focus();
        break;
      case "ArrowDown":
        rows[i + 1]?.focus();
        break;
      case "ArrowUp":
        rows[i - 1]?.focus();
        break;
      case "Home":
        rows[0]?.focus();
        break;
      case "End":
        rows[rows.length - 1]?.focus();
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}
