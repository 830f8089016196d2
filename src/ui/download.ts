// Saves a run as a file (`GET /api/runs/{id}/export`). Fetched rather than
// linked, so the API token travels in a header, never in a URL.
import { request } from "./api";

export async function downloadRun(runId: string, format: "json" | "jsonl" = "json"): Promise<void> {
  const res = await request(`/api/runs/${runId}/export?format=${format}`, {}, "downloading the run");
  const name = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? `run-${runId}.${format}`;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
