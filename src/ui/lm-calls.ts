// The LM calls of a run, in the order they started, each with its end and the
// module it ran in: what compare pairs up and what the playground resends.
import type { EventOf, RunEvent } from "../dspy/events";

export interface LmCall {
  start: EventOf<"lm_start">;
  end: EventOf<"lm_end"> | undefined;
  /** The module the call ran in (its dotted path), else the model. */
  module: string;
}

export function lmCalls(events: readonly RunEvent[]): LmCall[] {
  const names = new Map<string, string>();
  const ends = new Map<string, EventOf<"lm_end">>();
  for (const e of events) {
    if (e.type === "module_start") names.set(e.call_id, e.name);
    if (e.type === "lm_end") ends.set(e.call_id, e);
  }
  return events
    .filter((e): e is EventOf<"lm_start"> => e.type === "lm_start")
    .map((start) => ({ start, end: ends.get(start.call_id), module: (start.parent_id && names.get(start.parent_id)) || start.model }));
}
