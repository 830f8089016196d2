// Timing and memory helpers for the benchmarks: percentiles over repeated
// calls after a warm-up, and heap growth across the measured calls.
export interface Stats {
  runs: number;
  p50_ms: number;
  p95_ms: number;
  ops_per_s: number;
  heap_kb: number;
}
export type Row = { bench: string; note?: string } & Partial<Stats> & Record<string, unknown>;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function summarize(samples: number[], heapBytes = 0): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = samples.reduce((a, b) => a + b, 0);
  return {
    runs: samples.length,
    p50_ms: round(percentile(sorted, 50)),
    p95_ms: round(percentile(sorted, 95)),
    ops_per_s: Math.round((samples.length / total) * 1000),
    heap_kb: Math.round(heapBytes / 1024),
  };
}

export function round(n: number): number {
  return n >= 100 ? Math.round(n) : Math.round(n * 1000) / 1000;
}

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

export async function measure(runs: number, fn: () => Promise<unknown>): Promise<{ stats: Stats; warmup: number }> {
  const warmup = Math.max(5, Math.floor(runs / 10));
  for (let i = 0; i < warmup; i++) await fn();
  const before = heapUsed();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return { stats: summarize(samples, heapUsed() - before), warmup };
}

export function printTable(title: string, rows: Row[]): void {
  const cols = ["bench", ...new Set(rows.flatMap((r) => Object.keys(r)).filter((k) => k !== "bench" && k !== "note")), "note"];
  const cells = rows.map((r) => cols.map((c) => (r[c] === undefined ? "" : String(r[c]))));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(widths[i])).join(" | ")} |`;
  console.log(`\n### ${title}\n`);
  console.log(line(cols));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of cells) console.log(line(row));
}
