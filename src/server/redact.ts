// The one redaction rule for everything that leaves the server: every
// occurrence of a configured secret (the LM key, the API token) becomes
// `[redacted]`, in events (stamper.ts), JSON responses (middleware/redact.ts) and
// sync answers. Streamed LM text needs more than per-event redaction, because a
// secret can arrive split across two deltas: StreamRedactor holds back the
// shortest tail that could still become a secret and releases it with the next
// delta or when the LM call ends.

export const REDACTED = "[redacted]";
/** Shorter values are not treated as secrets (they would redact ordinary words). */
export const MIN_SECRET_LENGTH = 6;

export function activeSecrets(secrets: readonly string[]): string[] {
  return [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.replaceAll(s, REDACTED);
  return out;
}

/** A copy of `value` with every string redacted; `value` itself when no secret occurs (one serialization to check). */
export function redactValue<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const json = JSON.stringify(value);
  if (json === undefined || !secrets.some((s) => json.includes(jsonEscaped(s)))) return value;
  const scrub = (v: unknown): unknown => {
    if (typeof v === "string") return redactText(v, secrets);
    if (Array.isArray(v)) return v.map(scrub);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [redactText(k, secrets), scrub(x)]));
    return v;
  };
  return scrub(value) as T;
}

/** How `s` appears inside a JSON string literal. */
export function jsonEscaped(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** Redacts serialized JSON text in place of its values (for response bodies). */
export function redactJsonText(json: string, secrets: readonly string[]): string {
  return redactText(json, secrets.map(jsonEscaped));
}

/**
 * Length of the longest suffix of `text` that is a proper prefix of a secret:
 * the part that must wait for the next delta before it can be shown.
 */
export function pendingSecretPrefix(text: string, secrets: readonly string[]): number {
  let longest = 0;
  for (const s of secrets) {
    const from = Math.max(0, text.length - (s.length - 1));
    // Candidate starts are occurrences of the secret's first character near the end.
    for (let i = text.indexOf(s[0], from); i !== -1; i = text.indexOf(s[0], i + 1)) {
      const tail = text.length - i;
      if (tail <= longest) break;
      if (s.startsWith(text.slice(i))) {
        longest = tail;
        break;
      }
    }
  }
  return longest;
}

/**
 * Per LM call: takes each delta's text and returns what may be shown now,
 * redacted; at the end of the call, `flush` returns the held tail. The work per
 * delta is proportional to the delta plus the held tail, never to the whole text.
 */
export class StreamRedactor {
  private readonly held = new Map<string, string>();

  constructor(private readonly secrets: readonly string[]) {}

  get active(): boolean {
    return this.secrets.length > 0;
  }

  /** The text of this delta that may be shown now (possibly ""), redacted. */
  push(callId: string, delta: string): string {
    const text = redactText((this.held.get(callId) ?? "") + delta, this.secrets);
    const keep = pendingSecretPrefix(text, this.secrets);
    if (keep > 0) this.held.set(callId, text.slice(text.length - keep));
    else this.held.delete(callId);
    return keep > 0 ? text.slice(0, text.length - keep) : text;
  }

  /** The held tail of a call that ended (it can no longer become a secret). */
  flush(callId: string): string {
    const tail = this.held.get(callId) ?? "";
    this.held.delete(callId);
    return tail;
  }

  /** Calls with held text (a run ending mid-stream flushes them). */
  pendingCalls(): string[] {
    return [...this.held.keys()];
  }
}
