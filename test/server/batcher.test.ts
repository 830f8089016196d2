// The batcher between a run and its Durable Object: one call in flight, and
// everything produced meanwhile rides in the next call, in order.
import { describe, expect, it } from "vitest";
import { Batcher } from "../../src/server/batcher";
import { gate, until } from "./helpers";

describe("Batcher", () => {
  it("sends a synchronous burst in one call, and everything pushed during a call in the next", async () => {
    const calls: number[][] = [];
    let hold = gate();
    const batcher = new Batcher<number>(async (items) => {
      calls.push(items);
      await hold.wait;
    });
    for (let i = 1; i <= 3; i++) batcher.push(i);
    await until(async () => calls.length, (n) => n === 1, "the first call");
    // The first call is in flight: these wait, then go together.
    for (let i = 4; i <= 50; i++) batcher.push(i);
    expect(batcher.pending).toBe(47);
    const first = hold;
    hold = gate();
    first.open();
    await until(async () => calls.length, (n) => n === 2, "the second call");
    hold.open();
    await batcher.drain();
    expect(calls).toEqual([[1, 2, 3], Array.from({ length: 47 }, (_, i) => i + 4)]);
  });

  it("retries a failed call with the same items in front, keeping order", async () => {
    const delivered: number[] = [];
    let failures = 1;
    const errors: number[] = [];
    const batcher = new Batcher<number>(
      async (items) => {
        if (failures-- > 0) throw new Error("object restarted");
        delivered.push(...items);
      },
      { onError: (_e, attempt) => errors.push(attempt) },
    );
    batcher.push(1);
    batcher.push(2);
    await Promise.resolve();
    batcher.push(3);
    await batcher.drain();
    expect(errors).toEqual([0]);
    expect(delivered).toEqual([1, 2, 3]);
  });

  it("drain gives items a failed call left behind another round of retries", async () => {
    const delivered: number[] = [];
    let failures = 0;
    const batcher = new Batcher<number>(
      async (items) => {
        if (++failures <= 4) throw new Error("object unreachable");
        delivered.push(...items);
      },
      { retries: 3 },
    );
    batcher.push(1);
    // The push's own call gives up after its first try and three retries.
    await until(async () => failures, (n) => n === 4, "the first round of attempts");
    await batcher.drain();
    expect(delivered).toEqual([1]);
    expect(batcher.pending).toBe(0);
  });

  it("stops for good when the sink says so", async () => {
    const calls: number[][] = [];
    const batcher = new Batcher<number>(async (items) => {
      calls.push(items);
      return "stop";
    });
    batcher.push(1);
    await batcher.drain();
    batcher.push(2);
    await batcher.drain();
    expect(calls).toEqual([[1]]);
    expect(batcher.stopped).toBe(true);
  });
});
