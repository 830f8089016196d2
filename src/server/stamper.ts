// The one place a run's events get their identity: run_id, seq (1, 2, 3, … with
// no gaps) and ts. Every value passes through truncation and secret redaction
// here, so what the client sees live is byte for byte what the log replays.
import type { EventDraft, RunEvent } from "../dspy/events";
import { redactEvent, truncateEvent } from "./truncate";

export class EventStamper {
  private seq: number;

  constructor(
    readonly runId: string,
    private readonly secrets: readonly string[] = [],
    /** The seq already used: 0 for a new run. */
    lastSeq = 0,
  ) {
    this.seq = lastSeq;
  }

  stamp(draft: EventDraft, ts = Date.now()): RunEvent {
    const event = { ...draft, run_id: this.runId, seq: ++this.seq, ts } as RunEvent;
    return truncateEvent(redactEvent(event, this.secrets));
  }
}
