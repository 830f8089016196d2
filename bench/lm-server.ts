// A fake OpenAI-compatible LM over real HTTP, in its own process (the live
// delivery bench spawns it), pacing its stream like a real model: one chunk per
// `delay` ms. Every token carries the monotonic time it was written
// (` @<µs>`, from process.hrtime, which all processes on the machine share), so
// the client can measure token lag end to end without trusting wall clocks.
//
// Answers any ChatAdapter prompt: it reads the output field names from the
// system message and writes `[[ ## field ## ]]` sections of `tokens` tokens.
import { createServer, type ServerResponse } from "node:http";

export interface LmServerConfig {
  /** Pause before each streamed chunk, in ms; 0 streams as fast as the socket takes it. */
  delayMs: number;
  /** Tokens per output field. */
  tokens: number;
}

export const nowUs = (): bigint => process.hrtime.bigint() / 1000n;

/** The output field names a ChatAdapter system message lists ("1. `answer` (str)"). */
export function outputFields(system: string): string[] {
  const section = system.split("Your output fields are:")[1]?.split("All interactions will be structured")[0] ?? "";
  const names = [...section.matchAll(/^\d+\. `(\w+)`/gm)].map((m) => m[1]);
  return names.length > 0 ? names : ["answer"];
}

/** The chunks of one completion: markers and tokens; a token is `null` until written (it gets its timestamp then). */
function plan(fields: string[], tokens: number): (string | null)[] {
  const out: (string | null)[] = [];
  for (const field of fields) {
    out.push(`${out.length ? "\n\n" : ""}[[ ## ${field} ## ]]\n`);
    for (let i = 0; i < tokens; i++) out.push(null);
  }
  out.push("\n\n[[ ## completed ## ]]");
  return out;
}

function frame(id: string, model: string, delta: Record<string, unknown>, finish: string | null, extra = {}): string {
  const chunk = { id, object: "chat.completion.chunk", created: 0, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

async function stream(res: ServerResponse, body: { model: string; messages: { role: string; content: string }[] }, cfg: LmServerConfig, id: string) {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  const system = body.messages.find((m) => m.role === "system")?.content ?? "";
  const pieces = plan(outputFields(system), cfg.tokens);
  res.write(frame(id, body.model, { role: "assistant", content: "" }, null));
  let completion = 0;
  for (const piece of pieces) {
    if (cfg.delayMs > 0) await new Promise((r) => setTimeout(r, cfg.delayMs));
    else if (completion % 256 === 0) await new Promise((r) => setImmediate(r)); // let the socket drain
    if (res.destroyed) return;
    res.write(frame(id, body.model, { content: piece ?? ` @${nowUs()}` }, null));
    completion++;
  }
  res.write(frame(id, body.model, {}, "stop"));
  const usage = { prompt_tokens: 100, completion_tokens: completion, total_tokens: 100 + completion };
  res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: body.model, choices: [], usage })}\n\n`);
  res.end("data: [DONE]\n\n");
}

/** Starts the server on a free loopback port; resolves with its base URL. */
export function startLmServer(cfg: LmServerConfig): Promise<{ url: string; close(): void }> {
  let next = 1;
  const server = createServer((req, res) => {
    if (req.method === "POST" && req.url === "/config") {
      // The bench switches pacing between scenarios (e.g. a burst run) without a restart.
      let raw = "";
      req.on("data", (d) => (raw += d));
      req.on("end", () => {
        Object.assign(cfg, JSON.parse(raw));
        res.writeHead(204).end();
      });
      return;
    }
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "not found" } }));
      return;
    }
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      stream(res, JSON.parse(raw), cfg, `chatcmpl-bench${next++}`).catch(() => res.destroy());
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      ok({ url: `http://127.0.0.1:${port}/v1`, close: () => server.close() });
    }),
  );
}
