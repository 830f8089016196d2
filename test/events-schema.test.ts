import { describe, expect, it } from "vitest";
import { RunEvent } from "../src/dspy/events";

describe("event schema", () => {
  it("accepts a stamped lm_delta and rejects a wrong shape", () => {
    const ok = RunEvent.safeParse({ run_id: "r", seq: 1, ts: 1, type: "lm_delta", call_id: "c", parent_id: null, name: "m", delta: "hi" });
    expect(ok.success).toBe(true);
    const bad = RunEvent.safeParse({ run_id: "r", seq: 0, ts: 1, type: "lm_delta", call_id: "c", parent_id: null, name: "m" });
    expect(bad.success).toBe(false);
  });
});
