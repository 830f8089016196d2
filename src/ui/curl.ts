// "Copy as curl": the same call the page makes, for a terminal.
import { apiToken } from "./prefs";

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The call Run makes in each mode: attached stream, durable run (POST /api/runs), or sync JSON. */
export function curlCommand(origin: string, program: string, inputs: Record<string, unknown>, mode: "stream" | "durable" | "sync"): string {
  const url =
    mode === "durable" ? `${origin}/api/runs` : `${origin}/${encodeURIComponent(program)}${mode === "stream" ? "/stream" : ""}`;
  const body = mode === "durable" ? { program, inputs } : inputs;
  const parts = [`curl${mode === "stream" ? " -N" : ""} -X POST ${shellQuote(url)}`, `-H 'content-type: application/json'`];
  // The token itself never goes to the clipboard: the shell fills it in.
  if (apiToken()) parts.push(`-H "authorization: Bearer $API_TOKEN"`);
  parts.push(`-d ${shellQuote(JSON.stringify(body))}`);
  return parts.join(" \\\n  ");
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API needs a secure context or permission; fall back to a hidden textarea.
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}
