// The SSE writer every client stream goes through: keepalive, a failed write as
// the client leaving, and a slow client dropped instead of buffered without end.
import { describe, expect, it } from "vitest";
import { SseWriter } from "../../src/server/sse";
import { parseSse, until } from "./helpers";

describe("SSE writer", () => {
  it("sends a `: ping` comment after silence", async () => {
    const sse = new SseWriter({ keepaliveMs: 20 });
    const readable = sse.readable;
    const frame = "id: 1\nevent: x\ndata: {}\n\n";
    expect(sse.send(frame)).toBe(true);
    const reader = readable.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes(": ping")) text += decoder.decode((await reader.read()).value);
    sse.close();
    expect(text).toBe(frame + ": ping\n\n");
    const parsed = parseSse(text);
    expect(parsed.frames).toHaveLength(1);
    expect(parsed.comments.map((c) => c.trim())).toEqual(["ping"]);
  });

  it("treats the body being cancelled as the client leaving: onGone once, later sends refused", async () => {
    let gone = 0;
    const sse = new SseWriter({ onGone: () => gone++ });
    await sse.readable.cancel("client left");
    sse.send("data: 1\n\n");
    await until(() => Promise.resolve(gone), (n) => n > 0, "onGone");
    expect(sse.send("data: 2\n\n")).toBe(false);
    expect(gone).toBe(1);
  });

  it("drops a client that stops reading once its backlog passes the limit, and keeps one that reads", async () => {
    const chunk = "x".repeat(1000);
    let gone = 0;
    const slow = new SseWriter({ maxBacklogBytes: 10_000, onGone: () => gone++ });
    let accepted = 0;
    while (slow.send(chunk)) accepted++;
    // About the limit's worth is queued (one chunk may sit in the readable), then the client is cut.
    expect(accepted).toBeGreaterThanOrEqual(10);
    expect(accepted).toBeLessThanOrEqual(12);
    expect(gone).toBe(1);
    expect(slow.send(chunk)).toBe(false);
    await expect(slow.readable.getReader().read()).rejects.toThrow(/too slow/);

    const fast = new SseWriter({ maxBacklogBytes: 10_000 });
    const received = new Response(fast.readable).text();
    for (let i = 0; i < 100; i++) {
      expect(fast.send(chunk), `chunk ${i}`).toBe(true);
      // The reader gets a turn between sends, as a connected client does.
      await new Promise((r) => setTimeout(r, 0));
    }
    fast.close();
    expect((await received).length).toBe(100 * chunk.length);
  });

  it("does not count a joining client's replay toward the limit, only live events behind it", async () => {
    let gone = 0;
    const sse = new SseWriter({ maxBacklogBytes: 10_000, onGone: () => gone++ });
    sse.replay("r".repeat(50_000));
    expect(sse.send("x".repeat(1000))).toBe(true);
    expect(gone).toBe(0);
    let live = 1;
    while (sse.send("x".repeat(1000))) live++;
    expect(live).toBeGreaterThanOrEqual(10);
    expect(live).toBeLessThanOrEqual(12);
    expect(gone).toBe(1);
    await expect(sse.readable.getReader().read()).rejects.toThrow(/too slow/);
  });
});
