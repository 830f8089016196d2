// One run on screen: status bar, Tree / Timeline / Events tabs over the same RunState,
// the result, and the connection that keeps the state fed until run_end.
import { cancelRun } from "./api";
import { h } from "./dom";
import { downloadRun } from "./download";
import { EventsView } from "./events-view";
import { count, ms } from "./format";
import { DetailPane } from "./node-detail";
import { completionFields, nodeTitle } from "./node-summary";
import { renderOutputs, renderRunError } from "./result-view";
import { RunConnection, type ConnectionState } from "./run-stream";
import { RunState, type CallNode } from "./run-state";
import { TreeView } from "./tree-view";
import type { ProgramInfo } from "./types";
import { WaterfallView } from "./waterfall-view";

type Tab = "tree" | "timeline" | "events";

export interface RunViewOptions {
  runId: string;
  program: ProgramInfo | null;
  /** Called once when run_end has been applied. */
  onEnd?: (state: RunState) => void;
  onError?: (message: string) => void;
  /** A row under the head: mode, rerun, playground, feedback (src/ui/run-actions.ts). */
  actions?: HTMLElement | null;
}

export class RunView {
  readonly el: HTMLElement;
  readonly state: RunState;
  private connection: RunConnection | null = null;
  private readonly tree: TreeView;
  private readonly waterfall: WaterfallView;
  private readonly events: EventsView;
  private readonly detail: DetailPane;
  private readonly pane: HTMLElement;
  private readonly statusPill: HTMLElement;
  private readonly connBadge: HTMLElement;
  private readonly elapsed: HTMLElement;
  private readonly tokens: HTMLElement;
  private readonly cancelBtn: HTMLButtonElement;
  private readonly followBtn: HTMLButtonElement;
  private readonly result: HTMLElement;
  private readonly tabs = new Map<Tab, { button: HTMLButtonElement; view: HTMLElement }>();
  private readonly eventCount: HTMLElement;
  private timer: ReturnType<typeof setInterval> | null = null;
  private follow = true;
  private scrollQueued = false;
  /** While the stream is down, clocks stop here: a dropped connection must not look like a slow model. */
  private frozenAt: number | null = null;
  private liveQueued = false;
  /** A sync run's answer is shown already: its replayed tokens must not redraw it partly. */
  private syncOutputs = false;

  constructor(private readonly options: RunViewOptions) {
    this.state = new RunState(options.runId);
    this.detail = new DetailPane(this.state, (id) => this.tree.reveal(id, { focus: true }));
    this.tree = new TreeView(this.state, (node, how) => this.onSelect(node, how));
    this.waterfall = new WaterfallView(this.state, (id) => {
      this.select("tree");
      this.tree.reveal(id, { focus: true });
    });
    this.events = new EventsView(this.state);

    this.statusPill = h("span", { class: "pill s-running", "data-role": "status" }, "starting");
    this.connBadge = h("span", { class: "conn", "data-role": "conn", hidden: true, role: "status" });
    this.elapsed = h("span", { class: "meta-item", title: "duration" });
    this.tokens = h("span", { class: "meta-item", title: "tokens used (prompt → completion)" });
    this.cancelBtn = h("button", { type: "button", class: "btn btn-danger", "data-role": "cancel", onclick: () => void this.cancel() }, "Cancel");
    const permalink = h("a", { class: "run-id mono", href: `/runs/${options.runId}`, title: "permalink: opening it replays the run and follows it live" }, options.runId.slice(0, 12));

    this.eventCount = h("span", { class: "tab-count" }, "0");
    const tabBar = h("div", { class: "tabs", role: "tablist", "aria-label": "Run views" });
    for (const [tab, label, view] of [
      ["tree", "Tree", this.tree.el],
      ["timeline", "Timeline", this.waterfall.el],
      ["events", "Events", this.events.el],
    ] as const) {
      const button = h("button", { type: "button", role: "tab", class: "tab", "data-tab": tab, onclick: () => this.select(tab) }, label, tab === "events" ? this.eventCount : null);
      tabBar.appendChild(button);
      this.tabs.set(tab, { button, view });
    }
    tabBar.addEventListener("keydown", (e) => {
      const order: Tab[] = ["tree", "timeline", "events"];
      const current = order.findIndex((t) => this.tabs.get(t)?.button === document.activeElement);
      if (current < 0 || (e.key !== "ArrowRight" && e.key !== "ArrowLeft")) return;
      const next = order[(current + (e.key === "ArrowRight" ? 1 : order.length - 1)) % order.length];
      this.select(next);
      this.tabs.get(next)?.button.focus();
      e.preventDefault();
    });

    this.followBtn = h("button", { type: "button", class: "btn btn-small follow", hidden: true, onclick: () => this.resumeFollow() }, "↓ Follow");
    const tools = h(
      "div",
      { class: "view-tools" },
      this.followBtn,
      h("button", { type: "button", class: "btn btn-small tree-tool", onclick: () => this.tree.setAll(true) }, "Expand all"),
      h("button", { type: "button", class: "btn btn-small tree-tool", onclick: () => this.tree.setAll(false) }, "Collapse all"),
    );

    this.pane = h("div", { class: "pane", tabindex: "-1" }, this.tree.el, this.waterfall.el, this.events.el);
    const body = h("div", { class: "run-body" }, this.pane, this.detail.el);
    body.addEventListener("open-detail", () => this.detail.focus());
    body.addEventListener("close-detail", () => {
      this.detail.show(null);
      this.el.querySelector<HTMLElement>('.n-row[tabindex="0"]')?.focus();
    });
    this.pane.addEventListener("scroll", () => {
      const atBottom = this.pane.scrollTop + this.pane.clientHeight >= this.pane.scrollHeight - 24;
      this.follow = atBottom;
      this.followBtn.hidden = atBottom || this.state.done;
    });

    this.result = h("div", { class: "result", "data-role": "result", "aria-live": "polite" });
    this.el = h(
      "section",
      { class: "run", id: "run", "data-run-id": options.runId, "data-status": "running", "aria-label": "Run" },
      h(
        "header",
        { class: "run-head" },
        this.statusPill,
        h("span", { class: "run-program" }, options.program?.name ?? ""),
        permalink,
        this.elapsed,
        this.tokens,
        this.connBadge,
        h("span", { class: "spacer" }),
        h("button", { type: "button", class: "btn btn-small", "data-role": "download", title: "Save this run (summary and every event) as JSON; dropping the file on a dspy-edge page imports it", onclick: () => void downloadRun(options.runId).catch((e: Error) => options.onError?.(e.message)) }, "Download"),
        this.cancelBtn,
      ),
      options.actions ?? null,
      h("div", { class: "run-toolbar" }, tabBar, tools),
      body,
      this.result,
    );
    this.select("tree");

    this.state.subscribe((change) => {
      this.eventCount.textContent = String(this.state.lastSeq);
      if (change.kind === "run_start") this.renderHead();
      if (change.kind === "run_end") this.onEnd();
      if (change.kind === "node_delta" && !this.state.done) this.queueLiveResult(change.node);
      this.queueScroll();
    });
    this.timer = setInterval(() => this.tick(), 100);
    this.renderHead();
  }

  private onSelect(node: CallNode | null, how: "pointer" | "keyboard" | "program"): void {
    // On a phone the details are a sheet over the bottom of the screen: it opens when the user
    // picks a call, not by itself (it would cover a failed run's error card).
    const phone = matchMedia("(max-width: 760px)").matches;
    if (phone && how === "program") return this.detail.show(null);
    this.detail.show(node);
    if (phone) this.detail.el.scrollTop = 0;
  }

  /**
   * The program's output fields as the LM writes them (per field, from `lm_delta.field` or the
   * adapter's markers), in the result card, until the run's own outputs replace them.
   */
  private queueLiveResult(node: CallNode): void {
    if (this.liveQueued || this.syncOutputs) return;
    this.liveQueued = true;
    requestAnimationFrame(() => {
      this.liveQueued = false;
      if (this.state.done) return;
      const wanted = this.options.program?.signature.outputs ?? [];
      const fields = (completionFields(node) ?? []).filter(([name]) => wanted.some((f) => f.name === name));
      if (!fields.length) return;
      const values = Object.fromEntries(fields);
      this.result.replaceChildren(h("h3", {}, "Result (streaming)"), renderOutputs(values, wanted));
      this.result.dataset.live = "1";
    });
  }

  /** Feeds the view from the attached run's SSE response, resuming if it drops. */
  attach(response: Response, controller: AbortController): void {
    this.connect().attach(response, controller);
  }

  /** Replays the run from the log and follows it live (permalinks, reloads, sync runs). */
  resume(): void {
    this.connect().resume();
  }

  /** A sync run's answer, shown while its trace is replayed from the log. */
  showOutputs(outputs: Record<string, unknown>): void {
    if (this.state.done) return;
    this.syncOutputs = true;
    this.result.replaceChildren(h("h3", {}, "Result"), renderOutputs(outputs, this.options.program?.signature.outputs ?? []));
  }

  destroy(): void {
    this.connection?.close();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.el.remove();
  }

  private connect(): RunConnection {
    this.connection?.close();
    this.connection = new RunConnection(this.state, { onState: (s, d) => this.onConnection(s, d) });
    return this.connection;
  }

  private onConnection(state: ConnectionState, detail?: string): void {
    this.el.dataset.conn = state;
    this.frozenAt = state === "reconnecting" || state === "lost" ? (this.frozenAt ?? Date.now()) : null;
    // Draw the stopped clocks now, so what shows is exactly where they stopped.
    if (this.frozenAt !== null) this.tick();
    const label: Record<ConnectionState, string> = {
      connecting: "connecting…",
      live: "live",
      reconnecting: "reconnecting…",
      done: "",
      lost: "disconnected",
    };
    this.connBadge.textContent = label[state];
    this.connBadge.title = detail ?? "";
    this.connBadge.className = `conn c-${state}`;
    this.connBadge.hidden = state === "done" || (state === "live" && this.state.done);
    if (state === "lost") this.options.onError?.(`Lost the run's event stream: ${detail ?? "unknown reason"}`);
  }

  private select(tab: Tab): void {
    for (const [name, { button, view }] of this.tabs) {
      const on = name === tab;
      button.setAttribute("aria-selected", String(on));
      button.tabIndex = on ? 0 : -1;
      view.hidden = !on;
    }
    this.waterfall.visible = tab === "timeline";
    this.waterfall.tick(Date.now());
    this.el.dataset.tab = tab;
  }

  private tick(): void {
    const now = this.frozenAt ?? Date.now();
    this.tree.tick(now);
    this.waterfall.tick(now);
    this.renderHead(now);
    if (this.state.done && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private renderHead(now = this.frozenAt ?? Date.now()): void {
    const s = this.state.summary;
    this.el.dataset.status = s.status;
    this.statusPill.className = `pill s-${s.status}`;
    this.statusPill.textContent = s.status === "running" && s.startTs === null ? "starting" : s.status;
    const duration = s.durationMs ?? (s.startTs !== null ? now - s.startTs : null);
    this.elapsed.textContent = duration === null ? "" : ms(duration);
    const totals = Object.values(s.usage).reduce(
      (acc, u) => ({ p: acc.p + u.prompt_tokens, c: acc.c + u.completion_tokens }),
      { p: 0, c: 0 },
    );
    this.tokens.textContent = totals.p + totals.c > 0 ? `${count(totals.p)} → ${count(totals.c)} tok` : "";
    this.cancelBtn.hidden = this.state.done;
  }

  private onEnd(): void {
    const s = this.state.summary;
    this.renderHead();
    this.followBtn.hidden = true;
    const fields = this.options.program?.signature.outputs ?? [];
    delete this.result.dataset.live;
    if (s.status === "succeeded" && s.outputs) {
      this.result.replaceChildren(h("h3", {}, "Result"), renderOutputs(s.outputs, fields));
    } else {
      // Why it failed comes first: the error card above the tree, the failing call selected
      // (its error on top of its details, its system prompt folded).
      this.el.insertBefore(this.result, this.el.querySelector(".run-toolbar"));
      const failing = this.state.failingNode();
      if (failing) this.tree.reveal(failing.callId, { failing: true });
      const title = failing ? nodeTitle(failing) : null;
      this.result.replaceChildren(
        renderRunError(
          s.status,
          s.error,
          failing && title
            ? {
                label: `${failing.kind} ${title.primary}${title.secondary ? ` (${title.secondary})` : ""}`,
                onClick: () => {
                  this.select("tree");
                  this.tree.reveal(failing.callId, { focus: true, failing: true });
                },
              }
            : null,
        ),
      );
      if (s.outputs && Object.keys(s.outputs).length) this.result.appendChild(renderOutputs(s.outputs, fields));
      const card = this.result.getBoundingClientRect();
      if (card.top < 0 || card.top > window.innerHeight - 80) this.result.scrollIntoView({ block: "start" });
    }
    this.options.onEnd?.(this.state);
  }

  private async cancel(): Promise<void> {
    this.cancelBtn.disabled = true;
    this.cancelBtn.textContent = "Cancelling…";
    try {
      await cancelRun(this.state.runId);
    } catch (e) {
      this.options.onError?.(e instanceof Error ? e.message : String(e));
      this.cancelBtn.disabled = false;
      this.cancelBtn.textContent = "Cancel";
    }
  }

  private resumeFollow(): void {
    this.follow = true;
    this.followBtn.hidden = true;
    this.pane.scrollTop = this.pane.scrollHeight;
  }

  /** Keeps the newest rows in view, unless the user scrolled up to read. */
  private queueScroll(): void {
    if (!this.follow || this.scrollQueued) return;
    this.scrollQueued = true;
    requestAnimationFrame(() => {
      this.scrollQueued = false;
      if (this.follow) this.pane.scrollTop = this.pane.scrollHeight;
    });
  }
}
