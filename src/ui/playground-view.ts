// The playground: one LM call of a run, its messages and parameters editable,
// resent with POST /api/playground as a run of its own (mode playground) whose
// trace streams below the editor like any run.
import { ApiError, runPlayground } from "./api";
import { h } from "./dom";
import { fieldIssues } from "./form";
import type { LmCall } from "./lm-calls";
import { RunView } from "./run-view";
import type { ProgramInfo } from "./types";

type Role = "system" | "user" | "assistant";
const ROLES: Role[] = ["system", "user", "assistant"];

/** The parameters the server accepts (src/server/playground.ts), with their input kind. */
const PARAMS: [name: string, kind: "float" | "int", hint: string][] = [
  ["temperature", "float", "0 to 2"],
  ["max_tokens", "int", "≥ 1"],
  ["top_p", "float", "0 to 1"],
  ["n", "int", "1 to 8"],
  ["seed", "int", "any integer"],
];

export interface PlaygroundOptions {
  program: ProgramInfo;
  runId: string;
  calls: LmCall[];
  /** The call to start from (else the first). */
  callId?: string | null;
  onClose: () => void;
  /** A playground run started: list it, and follow its permalink if wanted. */
  onStarted: (runId: string) => void;
  onError: (message: string) => void;
}

export class PlaygroundView {
  readonly el: HTMLElement;
  private readonly messages: HTMLElement;
  private readonly params = new Map<string, HTMLInputElement>();
  private readonly error: HTMLElement;
  private readonly result: HTMLElement;
  private readonly sendBtn: HTMLButtonElement;
  private call: LmCall | null = null;
  private run: RunView | null = null;

  constructor(private readonly o: PlaygroundOptions) {
    this.messages = h("ol", { class: "pg-messages", "data-role": "pg-messages" });
    this.error = h("div", { class: "form-error", role: "alert", hidden: true, "data-role": "pg-error" });
    this.result = h("div", { class: "pg-result" });
    this.sendBtn = h("button", { type: "submit", class: "btn btn-primary", "data-role": "pg-send" }, "Send as a new run");
    const picker = h(
      "select",
      { "aria-label": "LM call to start from", "data-role": "pg-call" },
      o.calls.map((c, i) => h("option", { value: c.start.call_id }, `#${i + 1} ${c.module} · ${c.start.model}`)),
    );
    picker.addEventListener("change", () => this.load(o.calls.find((c) => c.start.call_id === picker.value) ?? null));
    const params = h(
      "div",
      { class: "pg-params" },
      PARAMS.map(([name, kind, hint]) => {
        const input = h("input", { type: "text", inputmode: kind === "int" ? "numeric" : "decimal", placeholder: hint, "data-param": name, id: `pg-${name}` });
        this.params.set(name, input);
        return h("label", { class: "pg-param", for: `pg-${name}` }, h("span", { class: "field-name" }, name), input);
      }),
    );
    const form = h(
      "form",
      { class: "pg-form", novalidate: true },
      h("div", { class: "pg-row" }, h("label", {}, "From ", picker)),
      this.messages,
      h("button", { type: "button", class: "btn btn-small", "data-role": "pg-add", onclick: () => this.addMessage("user", "") }, "+ message"),
      h("h4", {}, "Parameters"),
      params,
      this.error,
      h("div", { class: "form-actions" }, this.sendBtn, h("span", { class: "muted" }, "Logged as its own run (mode playground) of ", o.program.name, ".")),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.send();
    });
    form.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void this.send();
      }
    });
    this.el = h(
      "section",
      { class: "playground", "data-role": "playground", "aria-label": "LM playground" },
      h(
        "header",
        { class: "cmp-head" },
        h("h2", {}, "Playground"),
        h("span", { class: "muted" }, "from run ", h("span", { class: "mono" }, o.runId.slice(0, 12))),
        h("span", { class: "spacer" }),
        h("button", { type: "button", class: "btn btn-small", "data-role": "pg-close", onclick: o.onClose }, "Close"),
      ),
      o.calls.length ? form : h("p", { class: "muted" }, "This run has made no LM call yet."),
      this.result,
    );
    const first = o.calls.find((c) => c.start.call_id === o.callId) ?? o.calls[0] ?? null;
    if (first) picker.value = first.start.call_id;
    this.load(first);
  }

  focus(): void {
    this.messages.querySelector<HTMLTextAreaElement>("li:last-child textarea")?.focus();
  }

  destroy(): void {
    this.run?.destroy();
    this.el.remove();
  }

  private load(call: LmCall | null): void {
    this.call = call;
    this.messages.replaceChildren();
    if (!call) return;
    for (const m of call.start.messages) this.addMessage(m.role, m.content);
    const params = call.start.params ?? {};
    for (const [name, input] of this.params) {
      const v = (params as Record<string, unknown>)[name];
      input.value = typeof v === "number" ? String(v) : "";
    }
  }

  private addMessage(role: Role, content: string): void {
    const select = h("select", { "aria-label": "Role", "data-role": "pg-role" }, ROLES.map((r) => h("option", { value: r }, r)));
    select.value = role;
    const text = h("textarea", { rows: Math.min(12, Math.max(2, content.split("\n").length)), "aria-label": `${role} message`, "data-role": "pg-content", spellcheck: "false" });
    text.value = content;
    select.addEventListener("change", () => text.setAttribute("aria-label", `${select.value} message`));
    const item: HTMLElement = h(
      "li",
      { class: "pg-message" },
      h("div", { class: "pg-message-head" }, select, h("button", { type: "button", class: "link", "aria-label": "Remove this message", onclick: () => item.remove() }, "remove")),
      text,
    );
    this.messages.appendChild(item);
  }

  /** The edited request, or the problems with it (shown all at once). */
  private read(): { ok: true; messages: { role: Role; content: string }[]; params: Record<string, number> } | { ok: false; problems: string[] } {
    const problems: string[] = [];
    const messages = [...this.messages.querySelectorAll("li")].map((li) => ({
      role: li.querySelector("select")!.value as Role,
      content: li.querySelector("textarea")!.value,
    }));
    if (!messages.length) problems.push("add at least one message");
    const params: Record<string, number> = {};
    for (const [name, kind, hint] of PARAMS) {
      const raw = this.params.get(name)!.value.trim();
      if (!raw) continue;
      const n = Number(raw);
      if (!Number.isFinite(n) || (kind === "int" && !Number.isInteger(n))) problems.push(`${name}: expected ${kind === "int" ? "a whole number" : "a number"} (${hint}), got "${raw}"`);
      else params[name] = n;
    }
    return problems.length ? { ok: false, problems } : { ok: true, messages, params };
  }

  private async send(): Promise<void> {
    const read = this.read();
    this.error.hidden = true;
    if (!read.ok) return this.showError(read.problems.join("; "));
    this.sendBtn.disabled = true;
    const controller = new AbortController();
    try {
      const { runId, response } = await runPlayground(
        {
          program: this.o.program.name,
          messages: read.messages,
          params: read.params,
          ...(this.call ? { from: { run_id: this.o.runId, call_id: this.call.start.call_id } } : {}),
        },
        controller.signal,
      );
      this.run?.destroy();
      this.run = new RunView({ runId, program: this.o.program, onEnd: () => (this.sendBtn.disabled = false), onError: this.o.onError });
      this.result.replaceChildren(this.run.el);
      this.run.attach(response, controller);
      this.o.onStarted(runId);
    } catch (e) {
      this.sendBtn.disabled = false;
      if (e instanceof ApiError && e.status === 400) {
        // A nested issue's message already starts with its path (`params.temperature: …`).
        const issues = fieldIssues(e.details).map((i) => (i.field && i.path === i.field ? `${i.field}: ${i.message}` : i.message));
        this.showError(issues.length ? issues.join("; ") : e.message);
      } else this.showError(e instanceof Error ? e.message : String(e));
    }
  }

  private showError(text: string): void {
    this.error.textContent = text;
    this.error.hidden = false;
  }
}
