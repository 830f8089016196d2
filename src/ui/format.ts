// Human-readable numbers and one-line previews for dense rows.

export function ms(duration: number): string {
  if (!Number.isFinite(duration) || duration < 0) return "";
  if (duration < 1000) return `${Math.round(duration)} ms`;
  if (duration < 60_000) return `${(duration / 1000).toFixed(duration < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(duration / 60_000);
  return `${m}m ${Math.round((duration % 60_000) / 1000)}s`;
}

export function count(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** One line, at most `max` characters, whatever the value. */
export function preview(value: unknown, max = 80): string {
  let text: string;
  if (typeof value === "string") text = value;
  else if (value === undefined) text = "";
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  text = text.replace(/\s+/g, " ").trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `k=v, k2=v2` for a record, each value previewed. */
export function kvPreview(record: Record<string, unknown> | null | undefined, max = 90): string {
  if (!record) return "";
  // Scalars first: `answer=391` says more in one line than the start of a trajectory object.
  const entries = Object.entries(record).sort(([, a], [, b]) => Number(isObject(a)) - Number(isObject(b)));
  const parts = entries.map(([k, v]) => `${k}=${preview(v, 40)}`);
  return preview(parts.join(", "), max);
}

export function pretty(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

export function timeAgo(epochMs: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - epochMs) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return new Date(epochMs).toLocaleDateString();
}

function isObject(v: unknown): boolean {
  return typeof v === "object" && v !== null;
}
