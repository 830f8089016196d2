// Shared test helpers: record a run's event drafts and read them as a tree.
import type { EventDraft } from "../../src/dspy/events";
import { EventRecorder } from "../../src/dspy/recorder";

export function recordEvents() {
  const events: EventDraft[] = [];
  const recorder = new EventRecorder((draft) => events.push(draft));
  return { events, recorder };
}

type CallDraft = Extract<EventDraft, { call_id: string }>;

/** Each call event with its depth from the root (parent chain length), as golden `sequences` list them. */
export function withDepth(events: EventDraft[]): (CallDraft & { depth: number })[] {
  const depth = new Map<string, number>();
  return events
    .filter((e): e is CallDraft => "call_id" in e)
    .map((e) => {
      if (!depth.has(e.call_id)) depth.set(e.call_id, e.parent_id === null ? 0 : (depth.get(e.parent_id) ?? -1) + 1);
      return { ...e, depth: depth.get(e.call_id)! };
    });
}

/** `type@depth` lines without deltas: the shape golden sequences compare. */
export function shape(events: EventDraft[]): { type: string; depth: number }[] {
  return withDepth(events)
    .filter((e) => e.type !== "lm_delta")
    .map(({ type, depth }) => ({ type, depth }));
}

export function deltas(events: EventDraft[]): string[] {
  return events.flatMap((e) => (e.type === "lm_delta" ? [e.delta] : []));
}

export function ofType<K extends EventDraft["type"]>(events: EventDraft[], type: K): Extract<EventDraft, { type: K }>[] {
  return events.filter((e): e is Extract<EventDraft, { type: K }> => e.type === type);
}
