// Reads an SSE response with a real parser (eventsource-parser), frame by frame.
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { RunEvent } from "../../src/dspy/events";

export interface SSEFrame {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Yields frames as they arrive; `comments` collects `: ping` style lines.
 * Stops at the end of the body, or after `limit` frames (then cancels the body).
 */
export async function* sseFrames(response: Response, options: { limit?: number; comments?: string[] } = {}): AsyncGenerator<SSEFrame> {
  if (!response.body) return;
  const queue: SSEFrame[] = [];
  const parser = createParser({
    onEvent: (m: EventSourceMessage) => queue.push({ id: m.id, event: m.event, data: m.data }),
    onComment: (c) => options.comments?.push(c),
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let count = 0;
  try {
    while (true) {
      while (queue.length > 0) {
        yield queue.shift()!;
        if (options.limit !== undefined && ++count >= options.limit) return;
      }
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
    parser.reset({ consume: true });
    while (queue.length > 0) yield queue.shift()!;
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** All frames of a response that ends (or the first `limit`). */
export async function readSSE(response: Response, options: { limit?: number; comments?: string[] } = {}): Promise<SSEFrame[]> {
  const frames: SSEFrame[] = [];
  for await (const frame of sseFrames(response, options)) frames.push(frame);
  return frames;
}

/** Frames parsed and validated as RunEvents (throws on a frame that is not one). */
export async function readRunEvents(response: Response, options: { limit?: number } = {}): Promise<RunEvent[]> {
  return (await readSSE(response, options)).map((f) => RunEvent.parse(JSON.parse(f.data)));
}
