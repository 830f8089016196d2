// `npm run bench -- profile [attached|burst] [N]`: a CPU profile of workerd
// (V8 inspector over CDP) while the live bench's load runs; prints the
// functions with the most self time and writes the .cpuprofile for DevTools.
import { writeFileSync } from "node:fs";
import WebSocket from "ws";
import type { DevServer } from "../scripts/dev-server";

interface Node { id: number; callFrame: { functionName: string; url: string; scriptId: string; lineNumber: number }; hitCount: number; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export async function profileWhile(server: DevServer, work: () => Promise<void>, out = ".bench/workerd.cpuprofile"): Promise<string> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.inspectorPort}/ws`, { headers: { Origin: "http://127.0.0.1" } });
  await new Promise((ok, fail) => (ws.once("open", ok), ws.once("error", fail)));
  let id = 0;
  const pending = new Map<number, (r: unknown) => void>();
  const scripts = new Map<string, string>();
  ws.on("message", (d) => {
    const m = JSON.parse(String(d));
    if (m.method === "Debugger.scriptParsed" && m.params.url) scripts.set(m.params.url, m.params.scriptId);
    if (m.id && pending.has(m.id)) pending.get(m.id)!(m.result);
  });
  const send = (method: string, params = {}) =>
    new Promise<any>((ok) => {
      pending.set(++id, ok);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  await send("Profiler.start");
  await work();
  const { profile } = (await send("Profiler.stop")) as { profile: Profile };
  // Enabled only now: scripts are announced on enable, and a debugger attached during the load slows it.
  await send("Debugger.enable");
  writeFileSync(out, JSON.stringify(profile));
  const total = profile.endTime - profile.startTime;
  const self = new Map<string, { us: number; scriptId: string; line: number }>();
  const dt = new Map<number, number>();
  profile.samples.forEach((n, i) => dt.set(n, (dt.get(n) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const key = `${f.functionName || "(anon)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
    const entry = self.get(key) ?? { us: 0, scriptId: f.scriptId, line: f.lineNumber };
    entry.us += dt.get(n.id) ?? 0;
    self.set(key, entry);
  }
  const top = [...self.entries()].sort((a, b) => b[1].us - a[1].us).slice(0, 30);
  // Name bundle functions by their source line, so the table says what they are.
  const sources = new Map<string, string[]>();
  const lines: string[] = [];
  for (const [key, { us, scriptId, line }] of top) {
    if (scriptId && scriptId !== "0" && !sources.has(scriptId)) {
      const r = await send("Debugger.getScriptSource", { scriptId }).catch(() => null);
      sources.set(scriptId, String(r?.scriptSource ?? "").split("\n"));
    }
    const text = sources.get(scriptId)?.[line]?.trim().slice(0, 80);
    lines.push(`${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}${text ? `  ⟨${text}⟩` : ""}`);
  }
  ws.close();
  return [`profile: ${(total / 1000).toFixed(0)} ms sampled, written to ${out}`, ...lines].join("\n");
}
