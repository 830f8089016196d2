// A fault-injecting, OpenAI-compatible chat-completions server on 127.0.0.1
// (a free port), for the fault suite: `wrangler dev` points LM_BASE_URL at it.
// A run picks its fault by writing `FAULT:<name>` in its input (the server
// reads it from the prompt); `NONCE:<id>` makes attempts countable per run, so
// "fail once, then answer" faults retry into a success. Answers use the
// ChatAdapter format for the output fields the system message asks for.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export const FAULTS = [
  "ok", "429_retry_after", "429", "429_always", "500", "503", "500_always", "reset_before", "reset_mid",
  "stall_before", "stall_mid", "malformed", "no_marker", "empty", "huge", "echo_key",
] as const;
export type Fault = (typeof FAULTS)[number] | "slow";

/** Size of the `huge` completion's answer field. */
export const HUGE_ANSWER_CHARS = 5_000_000;

export interface FaultLM {
  /** The base URL to give as LM_BASE_URL (ends in /v1). */
  baseURL: string;
  /** Requests received per fault name. */
  requests: Map<string, number>;
  /** Secrets the `echo_key` fault echoes into its answer. */
  echo: string[];
  close(): Promise<void>;
}

function outputFields(system: string): string[] {
  const part = system.split("Your output fields are:")[1]?.split("\n\n")[0] ?? "";
  const names = [...part.matchAll(/^\d+\. `([^`]+)`/gm)].map((m) => m[1]);
  return names.length > 0 ? names : ["answer"];
}

function chatAnswer(fields: string[], value: (field: string) => string, marker = true): string {
  return fields.map((f) => `[[ ## ${f} ## ]]\n${value(f)}\n\n`).join("") + (marker ? "[[ ## completed ## ]]" : "");
}

function frame(model: string, delta: Record<string, unknown>, finish: string | null = null): string {
  const chunk = { id: "chatcmpl-fault", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFaultLM(options: { echo?: string[] } = {}): Promise<FaultLM> {
  const requests = new Map<string, number>();
  const attempts = new Map<string, number>();
  const echo = options.echo ?? [];
  const open = new Set<ServerResponse>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    let raw = "";
    for await (const chunk of req) raw += chunk;
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "no such route" } }));
      return;
    }
    const body = JSON.parse(raw) as { model: string; messages: { role: string; content: string }[]; stream?: boolean };
    const prompt = body.messages.map((m) => m.content).join("\n");
    const fault = (/FAULT:([a-z0-9_]+)/.exec(prompt.split("Your output fields are:").pop() ?? "")?.[1] ?? "ok") as Fault;
    const key = `${fault}#${/NONCE:([a-z0-9]+)/.exec(prompt)?.[1] ?? ""}#${prompt.length}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    requests.set(fault, (requests.get(fault) ?? 0) + 1);
    const fields = outputFields(body.messages[0]?.content ?? "");
    const error = (status: number, headers: Record<string, string> = {}) =>
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify({ error: { message: `fault ${fault}: HTTP ${status}`, type: "server_error" } }));

    if (fault === "429_retry_after" && attempt === 1) return error(429, { "retry-after": "1" });
    if (fault === "429" && attempt === 1) return error(429);
    if (fault === "429_always") return error(429, { "retry-after": "30" });
    if ((fault === "500" || fault === "503") && attempt === 1) return error(Number(fault));
    if (fault === "500_always") return error(500);
    if (fault === "reset_before" && attempt === 1) return void req.socket.destroy();
    if (fault === "stall_before") return; // accepts, never answers (the client aborts)

    let text: string;
    let size = 6;
    let delay = 0;
    if (fault === "empty") text = "";
    else if (fault === "no_marker") text = chatAnswer(fields, (f) => `${f} without the completed marker`, false);
    else if (fault === "huge") {
      text = chatAnswer(fields, (f) => (f === "answer" ? "h".repeat(HUGE_ANSWER_CHARS) : "big"));
      size = 64 * 1024;
    } else if (fault === "echo_key") text = chatAnswer(fields, (f) => `echo ${f}: ${echo.join(" and ")} end`);
    else if (fault === "slow") {
      text = chatAnswer(fields, (f) => `a slow ${f} that streams in many small pieces for the resume trials`);
      delay = 8;
    } else text = chatAnswer(fields, (f) => `${f} for the fault suite`);

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(frame(body.model, { role: "assistant", content: "" }));
    if (fault === "malformed") {
      res.write(`data: {"id":"x","choices":[{"index":0,"delta":{"content":"[[ ## ans\n\n`);
      res.write("data: not json at all\n\n");
      return void res.end("data: [DONE]\n\n");
    }
    const parts = pieces(text, size);
    for (const [i, part] of parts.entries()) {
      if (res.destroyed) return;
      if ((fault === "reset_mid" || fault === "stall_mid") && i === 3) {
        if (fault === "reset_mid") req.socket.destroy();
        return; // stall_mid: silent from here on
      }
      res.write(frame(body.model, { content: part }));
      if (delay) await sleep(delay);
    }
    res.write(frame(body.model, {}, "stop"));
    res.write(`data: ${JSON.stringify({ id: "chatcmpl-fault", object: "chat.completion.chunk", created: 1, model: body.model, choices: [], usage: { prompt_tokens: 10, completion_tokens: parts.length, total_tokens: 10 + parts.length } })}\n\n`);
    res.end("data: [DONE]\n\n");
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `fault server bug: ${(e as Error).message}` } }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as { port: number };
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    echo,
    close: () =>
      new Promise<void>((ok) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
