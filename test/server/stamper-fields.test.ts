// Secret redaction across deltas keeps lm_delta.field right: text held back
// because it could begin a secret is released under the field it was written
// in, never glued onto the next field's (or a marker's) delta.
import { describe, expect, it } from "vitest";
import type { EventDraft, RunEvent } from "../../src/dspy/events";
import { EventStamper } from "../../src/server/stamper";

const call = { call_id: "c1", parent_id: "p1", name: "gpt-4o-mini" };
const delta = (text: string, field: string | null): EventDraft => ({ type: "lm_delta", ...call, delta: text, field });

function byField(events: RunEvent[]) {
  const out: Record<string, string> = {};
  for (const e of events) if (e.type === "lm_delta") out[String(e.field)] = (out[String(e.field)] ?? "") + e.delta;
  return out;
}

describe("EventStamper with a secret: deltas keep their field", () => {
  it("a held tail ('s' could start 'sk-…') stays in its field at a field change and at lm_end", () => {
    const stamper = new EventStamper("run", ["sk-proj-AAAA1111BBBB2222"]);
    const drafts: EventDraft[] = [
      delta("[[ ## reasoning ## ]]\n", null),
      delta("It says", "reasoning"),
      delta("\n\n[[ ## answer ## ]]\n", null),
      delta("key is sk-proj-AAAA1111BBBB2222, yes", "answer"),
      { type: "lm_end", ...call, text: "…", usage: null, cached: false, error: null, duration_ms: 1 },
    ];
    const events = drafts.flatMap((d) => stamper.stampAll(d));
    expect(byField(events)).toEqual({
      null: "[[ ## reasoning ## ]]\n\n\n[[ ## answer ## ]]\n",
      reasoning: "It says",
      answer: "key is [redacted], yes",
    });
    // The held "s" of "says" came out as its own reasoning delta before the marker's delta.
    const deltas = events.filter((e) => e.type === "lm_delta").map((e) => e.type === "lm_delta" && [e.field, e.delta]);
    expect(deltas.slice(1, 4)).toEqual([["reasoning", "It say"], ["reasoning", "s"], [null, "\n\n[[ ## answer ## ]]\n"]]);
    // The last tail ("s" of "yes") is released before lm_end, still as the answer's.
    expect(deltas.at(-1)).toEqual(["answer", "s"]);
    expect(events.at(-1)!.type).toBe("lm_end");
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });
});
