// What a driver sends the run's object per append: the events as the SSE
// frames its client already got (serialized once, stored as they are), with
// just enough beside them for the object's bookkeeping (types for counts, LM
// usage, the closing run_end). Keeps the object's per-event work near zero.
import type { EventOf, EventType, RunEvent, Usage } from "../dspy/events";
import { eventFrame } from "./sse";

export interface LogBatch {
  /** Seq of the first event; the others follow it without gaps. */
  first_seq: number;
  /** One SSE frame per event, concatenated. */
  frames: string;
  /** Each event's type, in order. */
  types: EventType[];
  /** Usage of each lm_end in the batch, with its seq (the run's totals by model). */
  usage: { seq: number; model: string; usage: Usage }[];
  /** The batch's run_end, if it holds one: the log's closing values. */
  end?: EventOf<"run_end">;
}

/**
 * How far past the stored log a driver may show events to clients. The object
 * knows this bound (it is stored with every append), so when it must end a run
 * whose driver died it numbers `run_end` past anything a client can have seen.
 */
export const SEQ_GRANT_AHEAD = 4096;

/** A frame, cached per event: the client's stream and the log share one serialization. */
export interface FramedEvent {
  event: RunEvent;
  frame: string;
}

export function framed(event: RunEvent): FramedEvent {
  return { event, frame: eventFrame(event) };
}

/** One batch from consecutive framed events. */
export function toLogBatch(items: readonly FramedEvent[]): LogBatch {
  const batch: LogBatch = { first_seq: items[0]?.event.seq ?? 1, frames: "", types: [], usage: [] };
  for (const { event, frame } of items) {
    batch.frames += frame;
    batch.types.push(event.type);
    if (event.type === "lm_end" && event.usage) batch.usage.push({ seq: event.seq, model: event.name, usage: event.usage });
    if (event.type === "run_end") batch.end = event;
  }
  return batch;
}

/** A frame's size for batching limits, in UTF-16 units. */
export const frameSize = (item: FramedEvent) => item.frame.length;
