// The one place a run's events get their identity: run_id, seq (1, 2, 3, … with
// no gaps) and ts. Every value passes through truncation and secret redaction
// here, so what the client sees live is byte for byte what the log replays.
// Streamed LM text is redacted across deltas: a delta's text that could be the
// start of a secret is held back (StreamRedactor) and shown with the next delta
// of its call, or as one last delta just before the call's lm_end.
import type { EventDraft, RunEvent } from "../dspy/events";
import { StreamRedactor, activeSecrets, redactValue } from "./redact";
import { truncateEvent } from "./truncate";

/** Deltas shorter than this cannot reach MAX_EVENT_BYTES, whatever their other (short) fields. */
const SMALL_DELTA_CHARS = 10_000;

export class EventStamper {
  private seq: number;
  private readonly secrets: string[];
  private readonly stream: StreamRedactor;
  /** Each streaming call's latest delta `field` (lm_delta.field), so held text keeps the field it was written in. */
  private readonly fields = new Map<string, string | null | undefined>();

  constructor(
    readonly runId: string,
    secrets: readonly string[] = [],
    /** The seq already used: 0 for a new run. */
    lastSeq = 0,
  ) {
    this.seq = lastSeq;
    this.secrets = activeSecrets(secrets);
    this.stream = new StreamRedactor(this.secrets);
  }

  /** One event, stamped as is (no cross-delta holding): for events written on a driver's behalf. */
  stamp(draft: EventDraft, ts = Date.now()): RunEvent {
    if (draft.type === "lm_delta" && this.secrets.length === 0) return this.stampDelta(draft, ts);
    const event = { ...draft, run_id: this.runId, seq: ++this.seq, ts } as RunEvent;
    // this.secrets are already the active ones (sorted, deduplicated): not recomputed per event.
    return truncateEvent(redactValue(event, this.secrets));
  }

  /** A delta whose text StreamRedactor already redacted: no second pass over the event (the hot path). */
  private stampDelta(draft: Extract<EventDraft, { type: "lm_delta" }>, ts: number): RunEvent {
    const event = { ...draft, run_id: this.runId, seq: ++this.seq, ts } as RunEvent;
    // A delta is a token or a few: far below any limit, so it skips the size check (a serialization per token).
    return draft.delta.length < SMALL_DELTA_CHARS ? event : truncateEvent(event);
  }

  /**
   * The events a draft becomes: none for a delta held back entirely, the held
   * tail as a delta before an lm_end (or before run_end, for calls cut short),
   * else the draft itself.
   */
  stampAll(draft: EventDraft, ts = Date.now()): RunEvent[] {
    if (!this.stream.active) return [this.stamp(draft, ts)];
    const out: RunEvent[] = [];
    /** The held tail of a call as its own delta, labelled with the field it was written in. */
    const release = (call: { call_id: string; parent_id: string | null; name: string }) => {
      const tail = this.stream.flush(call.call_id);
      const field = this.fields.get(call.call_id);
      this.fields.delete(call.call_id);
      const labelled = field === undefined ? {} : { field };
      if (tail) out.push(this.stampDelta({ type: "lm_delta", call_id: call.call_id, parent_id: call.parent_id, name: call.name, delta: tail, ...labelled }, ts));
    };
    if (draft.type === "lm_delta") {
      // Held text never moves into another output field: when the field changes (at a marker, which no
      // secret spans) the previous field's tail goes out first, under that field.
      if (this.fields.has(draft.call_id) && this.fields.get(draft.call_id) !== draft.field) release(draft);
      this.fields.set(draft.call_id, draft.field);
      // The shown text may carry a few held characters of the previous delta; it keeps this delta's other fields.
      const delta = this.stream.push(draft.call_id, draft.delta);
      if (delta) out.push(this.stampDelta({ ...draft, delta }, ts));
      return out;
    }
    if (draft.type === "lm_end") release(draft);
    if (draft.type === "run_end") for (const callId of this.stream.pendingCalls()) release({ call_id: callId, parent_id: null, name: "unknown" });
    out.push(this.stamp(draft, ts));
    return out;
  }
}
