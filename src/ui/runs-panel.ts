// Runs and metrics of the selected program (its index on the server): runs that
// can be told apart (input, status, error, tokens, cost, mode, feedback), searched,
// filtered by status and paged; metrics per time window, split by status; and
// two runs picked for comparison.
import { programMetrics, programRuns } from "./api";
import { h } from "./dom";
import { count, ms, preview, timeAgo } from "./format";
import type { Metrics, RunRow, TimeWindow } from "./types";

const PAGE = 20;
const STATUSES = ["succeeded", "failed", "cancelled", "interrupted", "running"] as const;
const WINDOWS: [TimeWindow, string, string][] = [
  ["hour", "1 h", "the last hour"],
  ["day", "24 h", "the last 24 hours"],
  ["all", "All", "every kept run"],
];

export interface RunsPanelHandlers {
  open: (runId: string) => void;
  compare: (a: string, b: string) => void;
}

export class RunsPanel {
  readonly el: HTMLElement;
  private readonly metrics: HTMLElement;
  private readonly runs: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly status: HTMLSelectElement;
  private readonly more: HTMLButtonElement;
  private readonly compareBtn: HTMLButtonElement;
  private readonly windowBtns = new Map<TimeWindow, HTMLButtonElement>();
  private readonly picked: string[] = [];
  private program: string | null = null;
  private window: TimeWindow = "day";
  private next: string | null = null;
  private shown = 0;
  private loading = 0;
  private searchTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly handlers: RunsPanelHandlers) {
    this.metrics = h("div", { class: "metrics", "data-role": "metrics" });
    this.runs = h("ol", { class: "recent", "data-role": "recent-runs" });
    this.search = h("input", {
      type: "search",
      class: "rp-search",
      placeholder: "Search inputs and outputs",
      "aria-label": "Search runs by their inputs and outputs",
      "data-role": "run-search",
    });
    this.search.addEventListener("input", () => {
      if (this.searchTimer) clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.reload(), 250);
    });
    this.search.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        if (this.searchTimer) clearTimeout(this.searchTimer);
        this.reload();
      }
    });
    this.status = h(
      "select",
      { class: "rp-status", "aria-label": "Show runs with status", "data-role": "run-status-filter" },
      h("option", { value: "" }, "any status"),
      STATUSES.map((s) => h("option", { value: s }, s)),
    );
    this.status.addEventListener("change", () => this.reload());
    this.more = h("button", { type: "button", class: "btn btn-small rp-more", "data-role": "more-runs", hidden: true, onclick: () => void this.loadMore() }, "Show older runs");
    this.compareBtn = h(
      "button",
      {
        type: "button",
        class: "btn btn-small rp-compare",
        "data-role": "compare-runs",
        disabled: true,
        title: "Tick two runs to compare them side by side",
        onclick: () => {
          if (this.picked.length === 2) this.handlers.compare(this.picked[0], this.picked[1]);
        },
      },
      "Compare 0/2",
    );
    const windows = h("div", { class: "rp-windows", role: "group", "aria-label": "Metrics time window" });
    for (const [w, label, title] of WINDOWS) {
      const b = h("button", { type: "button", class: "btn btn-small", "data-window": w, title: `Metrics over ${title}`, onclick: () => this.setWindow(w) }, label);
      this.windowBtns.set(w, b);
      windows.appendChild(b);
    }
    this.markWindow();
    this.el = h(
      "aside",
      { class: "side-panel", "aria-label": "Runs and metrics" },
      h("div", { class: "rp-head" }, h("h2", {}, "Metrics"), windows),
      this.metrics,
      h("div", { class: "rp-head" }, h("h2", {}, "Runs"), this.compareBtn),
      h("div", { class: "rp-filters" }, this.search, this.status),
      this.runs,
      this.more,
    );
  }

  async show(program: string): Promise<void> {
    if (program !== this.program) {
      this.program = program;
      this.search.value = "";
      this.status.value = "";
      this.picked.length = 0;
      this.markPicked();
    }
    await Promise.all([this.loadRuns(false), this.loadMetrics()]);
  }

  /**
   * Reloads after a run started or ended: the first page again (as many rows as shown), and
   * metrics. `ended`: a run whose run_end the page has seen; its object may not have told the
   * index yet, so a row still saying "running" is asked for again a few times.
   */
  refresh(ended?: string, tries = 4): void {
    if (!this.program) return;
    void Promise.all([this.loadRuns(false, Math.min(200, Math.max(PAGE, this.shown))), this.loadMetrics()]).then(() => {
      const row = ended ? this.runs.querySelector(`li.rr[data-status="running"] a[data-run-id="${ended}"]`) : null;
      if (row && tries > 1) setTimeout(() => this.refresh(ended, tries - 1), 400);
    });
  }

  private reload(): void {
    void this.loadRuns(false);
  }

  private async loadMore(): Promise<void> {
    await this.loadRuns(true);
  }

  private async loadRuns(append: boolean, limit = PAGE): Promise<void> {
    const program = this.program;
    if (!program) return;
    const ticket = ++this.loading;
    const filter = { limit, q: this.search.value, status: this.status.value, before: append ? this.next : null };
    this.runs.setAttribute("aria-busy", "true");
    try {
      const page = await programRuns(program, filter);
      if (ticket !== this.loading || this.program !== program) return; // a newer request won
      const items = page.runs.map((r) => this.runItem(r));
      if (append) {
        for (const item of items) this.runs.appendChild(item);
      } else if (items.length) {
        this.runs.replaceChildren(...items);
      } else {
        const filtered = filter.q.trim() || filter.status;
        this.runs.replaceChildren(h("li", { class: "muted", "data-role": "no-runs" }, filtered ? "No runs match." : "No runs yet."));
      }
      // What the list now shows, for anyone waiting on a search (tests, assistive tech via aria-busy).
      this.runs.dataset.q = filter.q.trim();
      this.runs.dataset.status = filter.status;
      this.shown = (append ? this.shown : 0) + page.runs.length;
      this.next = page.next_before;
      this.more.hidden = !page.next_before;
    } catch (e) {
      if (ticket !== this.loading) return;
      this.runs.replaceChildren(h("li", { class: "muted" }, `Runs unavailable: ${(e as Error).message}`));
      this.more.hidden = true;
    } finally {
      if (ticket === this.loading) this.runs.removeAttribute("aria-busy");
    }
  }

  private async loadMetrics(): Promise<void> {
    const program = this.program;
    if (!program) return;
    const window = this.window;
    try {
      const m = await programMetrics(program, window);
      if (this.program === program && this.window === window) this.metrics.replaceChildren(renderMetrics(m));
    } catch (e) {
      if (this.program === program) this.metrics.replaceChildren(h("p", { class: "muted" }, `Metrics unavailable: ${(e as Error).message}`));
    }
  }

  private setWindow(w: TimeWindow): void {
    this.window = w;
    this.markWindow();
    void this.loadMetrics();
  }

  private markWindow(): void {
    for (const [w, b] of this.windowBtns) b.setAttribute("aria-pressed", String(w === this.window));
  }

  private pick(runId: string, on: boolean): void {
    const i = this.picked.indexOf(runId);
    if (on && i < 0) {
      this.picked.push(runId);
      // Two at most: the oldest pick makes way.
      if (this.picked.length > 2) {
        const dropped = this.picked.shift()!;
        const box = this.runs.querySelector<HTMLInputElement>(`input[data-pick="${dropped}"]`);
        if (box) box.checked = false;
      }
    } else if (!on && i >= 0) {
      this.picked.splice(i, 1);
    }
    this.markPicked();
  }

  private markPicked(): void {
    this.compareBtn.disabled = this.picked.length !== 2;
    this.compareBtn.textContent = this.picked.length === 2 ? "Compare 2 runs" : `Compare ${this.picked.length}/2`;
  }

  private runItem(r: RunRow): HTMLElement {
    const tokens = Object.values(r.usage).reduce((n, u) => n + u.total_tokens, 0);
    const box = h("input", { type: "checkbox", class: "rr-pick", "data-pick": r.run_id, "aria-label": `Select run ${r.run_id.slice(0, 8)} for comparison` });
    box.checked = this.picked.includes(r.run_id);
    box.addEventListener("change", () => this.pick(r.run_id, box.checked));
    const facts = [
      r.duration_ms != null ? ms(r.duration_ms) : null,
      tokens ? `${count(tokens)} tok` : null,
      r.cost_usd != null ? money(r.cost_usd) : null,
    ].filter(Boolean);
    const fb = r.feedback;
    return h(
      "li",
      { class: "rr", "data-status": r.status },
      h(
        "a",
        {
          href: `/runs/${r.run_id}`,
          class: "recent-run",
          "data-run-id": r.run_id,
          onclick: (e: Event) => {
            const me = e as MouseEvent;
            if (me.metaKey || me.ctrlKey || me.shiftKey) return; // new tab as usual
            e.preventDefault();
            this.handlers.open(r.run_id);
          },
        },
        h(
          "span",
          { class: "rr-line1" },
          h("span", { class: `dot s-${r.status}`, "aria-hidden": "true" }),
          h("span", { class: "rr-status" }, r.status),
          h("span", { class: `rr-mode m-${r.mode}`, title: MODE_TITLE[r.mode] ?? r.mode }, r.mode === "attached" ? "stream" : r.mode),
          fb?.rating ? h("span", { class: `rr-fb fb-${fb.rating}`, title: fb.note || `rated ${fb.rating}`, "data-role": "rr-feedback" }, fb.rating === "up" ? "✓ good" : "✗ bad") : null,
          h("span", { class: "rr-when", title: new Date(r.started_at).toLocaleString() }, timeAgo(r.started_at)),
        ),
        h("span", { class: "rr-input", "data-role": "rr-input" }, inputLine(r.inputs) || "(no inputs)"),
        r.error ? h("span", { class: "rr-error", "data-role": "rr-error", title: r.error.message }, `${r.error.type}: ${preview(r.error.message, 120)}`) : null,
        h("span", { class: "rr-facts" }, facts.join(" · "), h("span", { class: "rr-id mono" }, r.run_id.slice(0, 8))),
      ),
      box,
    );
  }
}

const MODE_TITLE: Record<string, string> = {
  attached: "Streamed to the page that started it (POST /{program}/stream)",
  sync: "Sync call (POST /{program})",
  durable: "Durable: driven by its own Durable Object, finishes without a client",
  playground: "A playground call: one LM prompt, resent with edits",
};

/** One line that tells a run by its input: its text inputs (a playground call: its last user message). */
export function inputLine(inputs: Record<string, unknown>): string {
  if (Array.isArray(inputs.messages)) {
    const users = (inputs.messages as { role?: string; content?: unknown }[]).filter((m) => m.role === "user");
    const last = users.at(-1)?.content;
    if (typeof last === "string") return preview(last, 140);
  }
  const entries = Object.entries(inputs);
  if (entries.length === 1) return preview(entries[0][1], 140);
  // Several fields: text first, each named.
  entries.sort(([, a], [, b]) => Number(typeof b === "string") - Number(typeof a === "string"));
  return preview(entries.map(([k, v]) => `${k}: ${preview(v, 80)}`).join(" · "), 140);
}

export function money(usd: number): string {
  if (usd === 0) return "$0";
  if (usd < 0.0001) return "<$0.0001";
  return `$${usd < 0.01 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

type Tile = [label: string, value: string, key: string, title?: string];

/** The program's metrics over the chosen window as a compact grid of tiles. */
function renderMetrics(m: Metrics): HTMLElement {
  if (!m.calls) return h("p", { class: "muted", "data-role": "no-metrics" }, m.window === "all" ? "No runs yet." : "No runs in this window.");
  const tiles: Tile[] = [["runs", count(m.calls), "calls"]];
  tiles.push(["succeeded", count(m.succeeded), "succeeded"]);
  tiles.push(["failed", count(m.failed + m.interrupted), "failed", "failed + interrupted"]);
  if (m.cancelled) tiles.push(["cancelled", count(m.cancelled), "cancelled"]);
  if (m.running) tiles.push(["running", count(m.running), "running"]);
  const ok = m.latency_by_status.succeeded;
  if (ok.p50 !== null) tiles.push(["p50 ok", ms(ok.p50), "p50", `median duration of the ${ok.runs} succeeded runs`]);
  if (ok.p95 !== null) tiles.push(["p95 ok", ms(ok.p95), "p95", `95th percentile duration of the ${ok.runs} succeeded runs`]);
  const bad = m.latency_by_status.failed;
  if (bad.p50 !== null) tiles.push(["p50 failed", ms(bad.p50), "p50-failed", `median time to fail, over ${bad.runs} failed runs`]);
  tiles.push(["tokens", count(m.tokens.total), "tokens", `${m.tokens.prompt} prompt + ${m.tokens.completion} completion`]);
  tiles.push(["LM calls", count(m.lm_calls), "lm-calls"]);
  const est = `Estimate from list prices (price table ${m.prices_version}); cached-input and batch discounts are not counted`;
  const unknown = "no price known for a model these runs used";
  tiles.push(["cost (est.)", m.cost_usd === null ? "—" : money(m.cost_usd), "cost", m.cost_usd === null ? unknown : est]);
  if (m.cost_per_run_usd !== null) tiles.push(["per run (est.)", money(m.cost_per_run_usd), "cost-run", est]);
  if (m.cost_per_lm_call_usd !== null) tiles.push(["per LM call (est.)", money(m.cost_per_lm_call_usd), "cost-call", est]);
  if (m.feedback.up || m.feedback.down) {
    tiles.push(["feedback", `✓ ${m.feedback.up} · ✗ ${m.feedback.down}`, "feedback", `${m.feedback.up} good, ${m.feedback.down} bad, ${m.feedback.notes} with a note`]);
  }
  return h(
    "dl",
    { class: "metric-grid" },
    tiles.map(([label, value, key, title]) =>
      h("div", { class: "metric", "data-metric": key, title: title ?? null }, h("dt", {}, label), h("dd", {}, value)),
    ),
  );
}
