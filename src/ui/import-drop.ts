// Dropping an exported run file (Download, or GET /api/runs/{id}/export) anywhere
// on the page imports it (`POST /api/runs/import`) and opens the new run's permalink.
import { request } from "./api";
import { h } from "./dom";

const RUN_FILE = /\.(json|jsonl|ndjson)$/i;

function hasFiles(e: DragEvent): boolean {
  return [...(e.dataTransfer?.types ?? [])].includes("Files");
}

function say(text: string): HTMLElement {
  for (const old of document.querySelectorAll(".toast")) old.remove();
  const t = h("div", { class: "toast", role: "status", "data-role": "import-status" }, text);
  document.body.appendChild(t);
  return t;
}

function fail(message: string): void {
  for (const old of document.querySelectorAll("[data-role=import-status]")) old.remove();
  const banner = document.getElementById("banner");
  if (!banner) return void say(message);
  const close = h("button", { type: "button", class: "link", onclick: () => void (banner.hidden = true) }, "dismiss");
  banner.replaceChildren(h("strong", {}, "Import failed "), message, " ", close);
  banner.hidden = false;
}

async function importFile(file: File): Promise<void> {
  say(`Importing ${file.name}…`);
  try {
    const jsonl = /\.(jsonl|ndjson)$/i.test(file.name);
    const res = await request(
      "/api/runs/import",
      { method: "POST", headers: { "content-type": jsonl ? "application/x-ndjson" : "application/json" }, body: await file.text() },
      `importing ${file.name}`,
    );
    const { run_url } = (await res.json()) as { run_url: string };
    location.assign(run_url);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
}

export function enableRunFileDrop(): void {
  window.addEventListener("dragover", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault(); // allows the drop
    if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
  });
  window.addEventListener("drop", (e) => {
    const file = [...(e.dataTransfer?.files ?? [])].find((f) => RUN_FILE.test(f.name));
    if (!hasFiles(e)) return;
    e.preventDefault(); // never let the browser navigate away to the file
    if (file) void importFile(file);
    else fail("Drop a run file (.json or .jsonl, as Download saves it) to import it.");
  });
}
