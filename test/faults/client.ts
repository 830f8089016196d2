// The fault suite's HTTP client: every response it receives (JSON, SSE, errors)
// is read in full and scanned for the configured secrets, and every SSE stream
// is parsed with eventsource-parser, its deltas reassembled per LM call and
// scanned too (a secret split across deltas is still a leak).
import { createParser } from "eventsource-parser";
import type { RunEvent } from "../../src/dspy/events";

export interface Scan {
  secrets: string[];
  responses: number;
  bytes: number;
  /** One line per leak: where, and which secret (by index, never the value). */
  leaks: string[];
}

export function newScan(secrets: string[]): Scan {
  return { secrets, responses: 0, bytes: 0, leaks: [] };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface StreamRead {
  status: number;
  headers: Headers;
  events: RunEvent[];
  /** Whether the stream ended by itself (false: the client dropped it). */
  ended: boolean;
}

function scanText(scan: Scan, where: string, text: string): void {
  scan.secrets.forEach((s, i) => {
    if (text.includes(s)) scan.leaks.push(`${where}: secret #${i}`);
  });
}

/** Reassembles each LM call's deltas and scans the whole text. */
export function scanDeltas(scan: Scan, where: string, events: RunEvent[]): void {
  const texts = new Map<string, string>();
  for (const e of events) if (e.type === "lm_delta") texts.set(e.call_id, (texts.get(e.call_id) ?? "") + e.delta);
  for (const [callId, text] of texts) scanText(scan, `${where} deltas of ${callId}`, text);
}

export class Client {
  constructor(
    readonly base: string,
    readonly scan: Scan,
    readonly token?: string,
  ) {}

  private init(init: RequestInit & { auth?: boolean } = {}): RequestInit {
    const headers = new Headers(init.headers);
    if (this.token && init.auth !== false && !headers.has("authorization")) headers.set("authorization", `Bearer ${this.token}`);
    return { ...init, headers };
  }

  async request(path: string, init: RequestInit & { auth?: boolean } = {}): Promise<Answer> {
    const res = await fetch(this.base + path, this.init(init));
    const text = await res.text();
    this.scan.responses++;
    this.scan.bytes += text.length;
    scanText(this.scan, `${init.method ?? "GET"} ${path}`, text);
    for (const [k, v] of res.headers) scanText(this.scan, `${path} header ${k}`, v);
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: callers check
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    return this.request(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  }

  /** Reads an SSE response; `dropAfter` events, the client hangs up (as a closed tab). */
  async stream(path: string, init: RequestInit & { auth?: boolean } = {}, dropAfter?: number): Promise<StreamRead> {
    const abort = new AbortController();
    const res = await fetch(this.base + path, { ...this.init(init), signal: abort.signal });
    const out: StreamRead = { status: res.status, headers: res.headers, events: [], ended: true };
    this.scan.responses++;
    for (const [k, v] of res.headers) scanText(this.scan, `${path} header ${k}`, v);
    if (!res.body || !res.headers.get("content-type")?.includes("text/event-stream")) {
      const text = res.body ? await res.text() : "";
      scanText(this.scan, path, text);
      return out;
    }
    let raw = "";
    let drop = false;
    const parser = createParser({
      onEvent: (m) => {
        if (drop) return;
        out.events.push(JSON.parse(m.data) as RunEvent);
        if (dropAfter !== undefined && out.events.length >= dropAfter) drop = true;
      },
    });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        raw += text;
        parser.feed(text);
        if (drop) {
          out.ended = false;
          abort.abort();
          break;
        }
      }
    } catch (e) {
      if (!drop) throw e;
    }
    this.scan.bytes += raw.length;
    scanText(this.scan, `stream ${path}`, raw);
    scanDeltas(this.scan, `stream ${path}`, out.events);
    return out;
  }
}

/** Runs `tasks` with at most `limit` at a time, in order of start. */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

export function nonce(): string {
  return Math.random().toString(36).slice(2, 12);
}
