// The live tree: one element per call, nested by parent_id, updated in place as events arrive
// (a token appends text, it never re-renders the tree). One Tab stop (roving tabindex): arrow
// keys move between rows, the focused row is the selected one and its details show in the side
// pane (DetailPane), never inline, so opening calls never grows the tree.
import { append, h } from "./dom";
import { ms } from "./format";
import { attemptOutcome, formatReward, KIND_ICON, KIND_LABEL, lmStats, moduleStats, nodeSummary, nodeTitle, stepLabel } from "./node-summary";
import type { CallNode, CallStatus, Change, RunState } from "./run-state";

interface NodeView {
  node: CallNode;
  li: HTMLLIElement;
  row: HTMLElement;
  twisty: HTMLElement;
  summary: HTMLElement;
  stats: HTMLElement;
  dur: HTMLElement;
  live: HTMLPreElement | null;
  /** The retried attempts of an LM call (`lm_retry`), one line each. */
  retries: HTMLOListElement | null;
  children: HTMLUListElement;
  /** "attempt 2 of 3", "step 2": the call's place among its parent's repeated calls. */
  step: HTMLElement | null;
  /** An attempt's reward and kept mark, once its parent has ended. */
  outcome: HTMLElement | null;
  /** The "stopped" badge, made when a call turns out to have been cut short. */
  badge: HTMLElement | null;
  collapsed: boolean;
}

export class TreeView {
  readonly el: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly views = new Map<string, NodeView>();
  private readonly open = new Set<NodeView>();
  private selected: NodeView | null = null;

  constructor(
    private readonly run: RunState,
    /** The selected call changed (null: none): the side pane shows it. */
    private readonly onSelect: (node: CallNode | null, how: "pointer" | "keyboard" | "program") => void = () => {},
  ) {
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

  /** Shows or hides every call's children. */
  setAll(expanded: boolean): void {
    for (const v of this.views.values()) if (v.node.children.length) this.setCollapsed(v, !expanded);
    // A hidden row cannot hold the Tab stop: hand it to the nearest shown ancestor.
    if (this.selected && !this.isShown(this.selected)) this.select(this.shownAncestor(this.selected), "program");
  }

  /** Selects a call: opens its ancestors, brings its row into view (within the pane) and takes the Tab stop. */
  reveal(callId: string, options: { focus?: boolean; failing?: boolean } = {}): void {
    const v = this.views.get(callId);
    if (!v) return;
    if (options.failing) {
      for (const other of this.views.values()) other.li.classList.remove("failing");
      v.li.classList.add("failing");
    }
    for (let p = this.parentView(v); p; p = this.parentView(p)) this.setCollapsed(p, false);
    this.select(v, "program");
    scrollWithin(v.row);
    if (options.focus) v.row.focus({ preventScroll: true });
  }

  private onChange(change: Change): void {
    if (change.kind === "run_end") return this.settle();
    if (!("node" in change)) return;
    const v = change.kind === "node_start" ? this.add(change.node) : this.views.get(change.node.callId);
    if (!v) return;
    if (change.kind === "node_delta") {
      // Appending a text node costs the size of the token; `textContent +=` would copy the whole
      // response so far on every token.
      if (v.live) append(v.live, [change.event.delta]);
      v.summary.textContent = nodeSummary(v.node);
      return;
    }
    if (change.kind === "node_retry") {
      this.addRetry(v, change.event);
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
    for (const retry of node.retries) this.addRetry(v, retry);
    if (node.end) this.finish(v);
    for (const child of node.children) this.addRecursive(child);
  }

  private add(node: CallNode): NodeView {
    const parent = node.parentId ? this.views.get(node.parentId) : undefined;
    const title = nodeTitle(node);
    const label = stepLabel(node, parent?.node ?? null);
    const step = label ? h("span", { class: "n-step" }, label) : null;
    const summary = h("span", { class: "n-summary" }, nodeSummary(node));
    const stats = h("span", { class: "n-stats" });
    const dur = h("span", { class: "n-dur" });
    const twisty = h("span", { class: "n-twisty", "aria-hidden": "true" });
    twisty.addEventListener("click", (e) => {
      e.stopPropagation();
      const v = this.views.get(node.callId);
      if (v) this.setCollapsed(v, !v.collapsed);
    });
    const row = h(
      "div",
      { class: "n-row", tabindex: "-1", role: "treeitem", "aria-selected": "false" },
      twisty,
      h("span", { class: "n-icon", "aria-hidden": "true" }, KIND_ICON[node.kind]),
      h("span", { class: "n-kind" }, KIND_LABEL[node.kind]),
      step,
      h("span", { class: "n-name" }, title.primary),
      title.secondary ? h("span", { class: "n-path" }, title.secondary) : null,
      summary,
      stats,
      dur,
    );
    row.addEventListener("click", () => {
      const v = this.views.get(node.callId);
      if (v) this.select(v, "pointer");
    });
    const live = node.kind === "lm" ? h("pre", { class: "n-live", "aria-live": "off" }, node.text) : null;
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
      children,
    );
    const v: NodeView = { node, li, row, twisty, summary, stats, dur, live, retries: null, children, step, outcome: null, badge: null, collapsed: false };
    this.views.set(node.callId, v);
    this.open.add(v);
    (parent ? parent.children : this.list).appendChild(li);
    if (parent) parent.row.setAttribute("aria-expanded", String(!parent.collapsed));
    // The first row holds the Tab stop until another is selected.
    if (!this.selected && this.views.size === 1) row.tabIndex = 0;
    return v;
  }

  private addRetry(v: NodeView, retry: { attempt: number; error: { type: string; message: string }; status: number | null; wait_ms: number }): void {
    v.retries ??= v.li.insertBefore(h("ol", { class: "n-retries", "aria-label": "Retried attempts" }), v.live ?? v.children);
    v.retries.appendChild(
      h(
        "li",
        { class: "n-retry", "data-attempt": retry.attempt },
        h("span", { class: "n-retry-n" }, `attempt ${retry.attempt}`),
        h("span", { class: "n-retry-status" }, retry.status === null ? "no response" : `HTTP ${retry.status}`),
        h("span", { class: "n-retry-msg" }, `${retry.error.type}: ${retry.error.message}`),
        h("span", { class: "n-retry-wait" }, `retried after ${ms(retry.wait_ms)}`),
      ),
    );
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
    // The streamed text stays in the detail pane; the row's summary keeps its gist.
    if (v.live) v.live.hidden = true;
    if (v.node.kind === "lm") for (let p = this.parentView(v); p; p = this.parentView(p)) this.updateStats(p, end.ts);
    // A BestOfN/Refine ended: its attempts learn their rewards and which one was kept.
    if (end.type === "module_end" && end.rewards) for (const child of v.node.children) this.markOutcome(child.callId);
  }

  private markOutcome(callId: string): void {
    const v = this.views.get(callId);
    if (!v) return;
    const outcome = attemptOutcome(v.node, this.parentView(v)?.node ?? null);
    if (!outcome) return;
    const reward = outcome.reward === null ? "failed" : `reward ${formatReward(outcome.reward)}`;
    v.outcome?.remove();
    v.outcome = h(
      "span",
      {
        class: `n-outcome${outcome.kept ? " kept" : ""}`,
        title: `${reward}${outcome.threshold !== null ? ` (threshold ${formatReward(outcome.threshold)})` : ""}${outcome.kept ? ": the attempt returned" : ""}`,
      },
      outcome.kept ? `✓ kept · ${reward}` : reward,
    );
    v.row.insertBefore(v.outcome, v.summary);
    v.li.classList.toggle("kept", outcome.kept);
  }

  private updateStats(v: NodeView, now: number): void {
    const stats = v.node.kind === "lm" ? lmStats(v.node, now) : moduleStats(v.node);
    v.stats.textContent = stats?.text ?? "";
    v.stats.title = stats?.title ?? "";
  }

  private parentView(v: NodeView): NodeView | null {
    return v.node.parentId ? (this.views.get(v.node.parentId) ?? null) : null;
  }

  private setCollapsed(v: NodeView, collapsed: boolean): void {
    if (!v.node.children.length) return;
    v.collapsed = collapsed;
    v.children.hidden = collapsed;
    v.li.classList.toggle("collapsed", collapsed);
    v.row.setAttribute("aria-expanded", String(!collapsed));
  }

  private select(v: NodeView, how: "pointer" | "keyboard" | "program"): void {
    if (this.selected !== v) {
      for (const other of this.views.values()) {
        other.row.tabIndex = -1;
        other.row.setAttribute("aria-selected", "false");
      }
      this.selected = v;
    }
    v.row.tabIndex = 0;
    v.row.setAttribute("aria-selected", "true");
    this.onSelect(v.node, how);
  }

  private isShown(v: NodeView): boolean {
    for (let p = this.parentView(v); p; p = this.parentView(p)) if (p.collapsed) return false;
    return true;
  }

  private shownAncestor(v: NodeView): NodeView {
    let shown = v;
    for (let p = this.parentView(v); p; p = this.parentView(p)) if (p.collapsed) shown = p;
    return shown;
  }

  /** Roving focus: arrows move (and select), Right/Left open/close or go to child/parent, Enter goes to the details. */
  private onKey(e: KeyboardEvent): void {
    const row = (e.target as HTMLElement).closest<HTMLElement>(".n-row");
    if (!row) return;
    const callId = row.parentElement?.dataset.callId;
    const v = callId ? this.views.get(callId) : undefined;
    if (!v) return;
    const rows = [...this.views.values()].filter((x) => this.isShown(x)).sort((a, b) => order(a.row, b.row));
    const i = rows.indexOf(v);
    const go = (target: NodeView | undefined) => {
      if (!target) return;
      this.select(target, "keyboard");
      target.row.focus();
      scrollWithin(target.row);
    };
    switch (e.key) {
      case "ArrowDown":
        go(rows[i + 1]);
        break;
      case "ArrowUp":
        go(rows[i - 1]);
        break;
      case "Home":
        go(rows[0]);
        break;
      case "End":
        go(rows[rows.length - 1]);
        break;
      case "ArrowRight":
        if (v.node.children.length && v.collapsed) this.setCollapsed(v, false);
        else if (v.node.children.length) go(this.views.get(v.node.children[0].callId));
        break;
      case "ArrowLeft":
        if (v.node.children.length && !v.collapsed) this.setCollapsed(v, true);
        else go(this.parentView(v) ?? undefined);
        break;
      case "Enter":
      case " ":
        // The details of this call, reachable without a pointer.
        this.select(v, "keyboard");
        this.el.dispatchEvent(new CustomEvent("open-detail", { bubbles: true }));
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}

function order(a: Node, b: Node): number {
  return a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
}

/** Scrolls the nearest scrolling ancestor (the pane) to show `el`, never the page itself. */
function scrollWithin(el: HTMLElement): void {
  const pane = el.closest<HTMLElement>(".pane");
  if (!pane || pane.scrollHeight <= pane.clientHeight) return;
  const top = el.getBoundingClientRect().top - pane.getBoundingClientRect().top + pane.scrollTop;
  if (top < pane.scrollTop || top > pane.scrollTop + pane.clientHeight - el.offsetHeight) {
    pane.scrollTop = top - pane.clientHeight / 3;
  }
}
