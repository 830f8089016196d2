// `npm run bench -- profile [attached|burst] [N]`: a CPU profile of workerd
// (V8 inspector over CDP) while the live bench's load runs; prints the
// functions with the most self time and writes the .cpuprofile for DevTools.
import { writeFileSync } from "node:fs";
import WebSocket from "ws";
import type { DevServer } from "../scripts/dev-server";

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount: number; children?: number[] }
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
  const self = new Map<string, number>();
  const dt = new Map<number, number>();
  profile.samples.forEach((n, i) => dt.set(n, (dt.get(n) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const key = `${f.functionName || "(anon)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dt.get(n.id) ?? 0));
  }
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30);
  // Name anonymous bundle functions by their source line, so the table says what they are.
  const sources = new Map<string, string[]>();
  for (const [url, scriptId] of scripts) {
    if (url.endsWith("index.js") && !sources.has(url.split("/").slice(-2).join("/"))) sources.set(url.split("/").slice(-2).join("/"), String((await send("Debugger.getScriptSource", { scriptId })).scriptSource).split("\n"));
  }
  for (const entry of top) {
    const m = entry[0].match(/ (\S+):(\d+)$/);
    const line = m && sources.get(m[1])?.[Number(m[2]) - 1];
    if (line) entry[0] += `  ⟨${line.trim().slice(0, 90)}⟩`;
  }
  ws.close();
  return [`profile: ${(total / 1000).toFixed(0)} ms sampled, written to ${out}`, ...top.map(([k, us]) => `${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)].join("\n");
}
