// Keeps every event small enough for one SQLite row (2 MB) and one SSE frame,
// cutting large values with an explicit marker instead of dropping them
// (secrets are redact.ts's).
import { TRUNCATED_MARKER, type RunEvent } from "../dspy/events";

/** Largest serialized event we emit, in UTF-8 bytes; well under the 2 MB row limit. */
export const MAX_EVENT_BYTES = 1_000_000;
// Tried in order until the event fits: long prompts survive the first pass intact.
const STRING_LIMITS = [200_000, 20_000, 2_000, 200];
const KEEP_ALWAYS = new Set(["run_id", "seq", "ts", "type", "call_id", "parent_id", "name", "status"]);

function cut(value: unknown, maxString: number, maxItems: number): unknown {
  if (typeof value === "string") {
    return value.length > maxString ? value.slice(0, maxString) + TRUNCATED_MARKER : value;
  }
  if (Array.isArray(value)) {
    const kept = value.slice(0, maxItems).map((v) => cut(v, maxString, maxItems));
    if (value.length > maxItems) kept.push(`${TRUNCATED_MARKER} ${value.length - maxItems} more items`);
    return kept;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = cut(v, maxString, maxItems);
    return out;
  }
  return value;
}

const encoder = new TextEncoder();

/** Whether `json` fits in `maxBytes` of UTF-8: rows are limited in bytes, and one UTF-16 unit may take three. */
function fits(json: string, maxBytes: number): boolean {
  if (json.length * 3 <= maxBytes) return true;
  return json.length <= maxBytes && encoder.encode(json).byteLength <= maxBytes;
}

/** Returns the event itself when it fits, else a copy with large values cut. */
export function truncateEvent(event: RunEvent, maxBytes = MAX_EVENT_BYTES): RunEvent {
  if (fits(JSON.stringify(event), maxBytes)) return event;
  for (const limit of STRING_LIMITS) {
    const candidate = {} as Record<string, unknown>;
    for (const [k, v] of Object.entries(event)) {
      candidate[k] = KEEP_ALWAYS.has(k) ? v : cut(v, limit, Math.max(10, limit / 20));
    }
    if (fits(JSON.stringify(candidate), maxBytes)) return candidate as RunEvent;
  }
  // Pathological shapes (thousands of keys): keep identity, mark every payload cut.
  const minimal = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(event)) minimal[k] = KEEP_ALWAYS.has(k) ? v : TRUNCATED_MARKER;
  return minimal as RunEvent;
}

