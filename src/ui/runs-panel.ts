// Recent runs and metrics of the selected program (the per-program index on the server).
import { programMetrics, programRuns } from "./api";
import { h } from "./dom";
import { count, ms, timeAgo } from "./format";
import type { Metrics, RunRow } from "./types";

export class RunsPanel {
  readonly el: HTMLElement;
  private readonly metrics: HTMLElement;
  private readonly runs: HTMLElement;
  private program: string | null = null;
  private loading = 0;

  constructor(private readonly onOpen: (runId: string) => void) {
    this.metrics = h("div", { class: "metrics", "data-role": "metrics" });
    this.runs = h("ol", { class: "recent", "data-role": "recent-runs" });
    this.el = h(
      "aside",
      { class: "side-panel", "aria-label": "Recent runs and metrics" },
      h("h2", {}, "Metrics"),
      this.metrics,
      h("h2", {}, "Recent runs"),
      this.runs,
    );
  }

  async show(program: string): Promise<void> {
    this.program = program;
    const ticket = ++this.loading;
    const [runs, metrics] = await Promise.allSettled([programRuns(program, 20), programMetrics(program)]);
    if (ticket !== this.loading || this.program !== program) return; // a newer request won
    this.metrics.replaceChildren(
      metrics.status === "fulfilled" ? renderMetrics(metrics.value) : h("p", { class: "muted" }, `Metrics unavailable: ${(metrics.reason as Error).message}`),
    );
    if (runs.status === "rejected") {
      this.runs.replaceChildren(h("li", { class: "muted" }, `Runs unavailable: ${(runs.reason as Error).message}`));
    } else if (runs.value.length === 0) {
      this.runs.replaceChildren(h("li", { class: "muted" }, "No runs yet."));
    } else {
      this.runs.replaceChildren(...runs.value.map((r) => this.runItem(r)));
    }
  }

  refresh(): void {
    if (this.program) void this.show(this.program);
  }

  private runItem(r: RunRow): HTMLElement {
    const started = r.started_at;
    const tokens = Object.values(r.usage).reduce((n, u) => n + u.total_tokens, 0);
    return h(
      "li",
      {},
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
            this.onOpen(r.run_id);
          },
        },
        h("span", { class: `dot s-${r.status}`, title: r.status }),
        h("span", { class: "rr-status" }, r.status),
        h("span", { class: "rr-when" }, started ? timeAgo(started) : ""),
        h("span", { class: "rr-dur" }, r.duration_ms != null ? ms(r.duration_ms) : ""),
        h("span", { class: "rr-tok" }, tokens ? `${count(tokens)} tok` : ""),
        h("span", { class: "rr-id mono" }, r.run_id.slice(0, 8)),
      ),
    );
  }
}

type Tile = [label: string, value: string, key: string, title?: string];

/** The program's metrics as a compact grid of tiles. */
function renderMetrics(m: Metrics): HTMLElement {
  if (!m.calls) return h("p", { class: "muted" }, "No runs yet.");
  const tiles: Tile[] = [["runs", count(m.calls), "calls"]];
  tiles.push(["succeeded", count(m.succeeded), "succeeded"]);
  tiles.push(["failed", count(m.failed + m.interrupted), "failed", "failed + interrupted"]);
  if (m.cancelled) tiles.push(["cancelled", count(m.cancelled), "cancelled"]);
  if (m.running) tiles.push(["running", count(m.running), "running"]);
  const { p50, p95 } = m.latency_ms;
  if (p50 !== null) tiles.push(["p50", ms(p50), "p50", "median duration of finished runs"]);
  if (p95 !== null) tiles.push(["p95", ms(p95), "p95", "95th percentile duration"]);
  tiles.push(["tokens", count(m.tokens.total), "tokens", `${m.tokens.prompt} prompt + ${m.tokens.completion} completion`]);
  const cost = m.cost_usd;
  tiles.push([
    "cost",
    typeof cost === "number" ? (cost === 0 ? "$0" : `$${cost < 0.01 ? cost.toFixed(5) : cost.toFixed(2)}`) : "—",
    "cost",
    typeof cost === "number" ? "estimated from the model's price" : "no price known for this model",
  ]);
  return h(
    "dl",
    { class: "metric-grid" },
    tiles.map(([label, value, key, title]) =>
      h("div", { class: "metric", "data-metric": key, title: title ?? null }, h("dt", {}, label), h("dd", {}, value)),
    ),
  );
}
