// The selected program: its header, the generated form, Run, the streaming toggle and Copy as curl.
import { h } from "./dom";
import { preview } from "./format";
import { InputForm } from "./form";
import { setStreamingChoice, streamingChoice } from "./prefs";
import type { FieldInfo, ProgramInfo } from "./types";

/** Streaming is on by default for anything but a plain Predict; the user's choice wins. */
function streamingFor(p: ProgramInfo): boolean {
  return streamingChoice(p.name) ?? p.streaming;
}

export interface ProgramViewHandlers {
  run: () => void;
  copyCurl: () => void;
}

export class ProgramView {
  readonly el: HTMLElement;
  readonly form: InputForm;
  private readonly runBtn: HTMLButtonElement;
  private readonly streamToggle: HTMLInputElement;
  private readonly backgroundToggle: HTMLInputElement;

  constructor(
    readonly program: ProgramInfo,
    handlers: ProgramViewHandlers,
  ) {
    const isMac = /Mac|iPhone|iPad/.test(navigator.platform);
    this.runBtn = h("button", { type: "submit", class: "btn btn-primary", "data-role": "run" }, "Run", h("kbd", {}, isMac ? "⌘↵" : "Ctrl↵"));
    this.streamToggle = h("input", { type: "checkbox", id: "stream-toggle", "data-role": "stream-toggle" });
    this.streamToggle.checked = streamingFor(program);
    this.backgroundToggle = h("input", { type: "checkbox", id: "background-toggle", "data-role": "background-toggle" });
    const background = h(
      "label",
      { class: "check", for: "background-toggle", title: "Run in the run's own Durable Object (POST /api/runs): it finishes even if every tab is closed; reopen its permalink to watch." },
      this.backgroundToggle,
      "Keep running if I leave",
    );
    background.hidden = !this.streamToggle.checked;
    this.streamToggle.addEventListener("change", () => {
      setStreamingChoice(program.name, this.streamToggle.checked);
      background.hidden = !this.streamToggle.checked;
    });
    const actions = h(
      "div",
      { class: "form-actions" },
      this.runBtn,
      h(
        "label",
        { class: "switch", for: "stream-toggle", title: "On: watch every step live (POST /{program}/stream). Off: wait for the JSON result (POST /{program})." },
        this.streamToggle,
        h("span", { class: "switch-track", "aria-hidden": "true" }),
        "Stream events",
      ),
      background,
      h("span", { class: "spacer" }),
      h("button", { type: "button", class: "btn", "data-role": "copy-curl", onclick: handlers.copyCurl }, "Copy as curl"),
    );
    this.form = new InputForm(program, handlers.run, actions);
    const sig = program.signature;
    const examples = program.examples ?? [];
    let nextExample = 0;
    const tryExample = examples.length
      ? h(
          "div",
          { class: "pv-examples", "data-role": "examples" },
          h(
            "button",
            {
              type: "button",
              class: "btn btn-small",
              "data-role": "try-example",
              title: "Fill the form with an example and run it",
              onclick: () => {
                this.form.fillExample(examples[nextExample]);
                nextExample = (nextExample + 1) % examples.length;
                handlers.run();
              },
            },
            "▶ Try an example",
          ),
          h("span", { class: "muted" }, "or fill one in:"),
          examples.map((example, i) =>
            h(
              "button",
              {
                type: "button",
                class: "link pv-example",
                "data-example": String(i),
                onclick: () => {
                  this.form.fillExample(example);
                  this.form.focus();
                },
              },
              preview(Object.values(example).find((v) => typeof v === "string") ?? example, 48),
            ),
          ),
        )
      : null;
    this.el = h(
      "section",
      { class: "program-view", "data-program": program.name, "aria-labelledby": "program-title" },
      h(
        "header",
        { class: "pv-head" },
        h("h1", { id: "program-title" }, program.name),
        h("span", { class: `badge m-${program.module}` }, program.module),
        stateBadge(program),
        program.adapter !== "ChatAdapter" ? h("span", { class: "badge", "data-role": "adapter" }, program.adapter) : null,
        h("span", { class: "pv-model" }, program.model, program.demo ? h("span", { class: "badge demo" }, "demo LM") : null),
      ),
      program.description ? h("p", { class: "pv-desc" }, program.description) : null,
      h(
        "div",
        { class: "pv-sig", title: "signature", "data-role": "signature" },
        fieldChips(sig.inputs, "in"),
        h("span", { class: "sig-arrow", "aria-label": "gives" }, "→"),
        fieldChips(sig.outputs, "out"),
      ),
      sig.instructions ? h("p", { class: "pv-instr", "data-role": "instructions" }, inlineCode(sig.instructions)) : null,
      tryExample,
      this.form.el,
    );
  }

  /** How Run runs: attached SSE stream, durable run followed over SSE, or sync JSON. */
  get mode(): "stream" | "durable" | "sync" {
    if (!this.streamToggle.checked) return "sync";
    return this.backgroundToggle.checked ? "durable" : "stream";
  }

  setBusy(busy: boolean): void {
    this.runBtn.disabled = busy;
    this.runBtn.classList.toggle("busy", busy);
  }
}

/** "loaded state · 4 demos" when the program runs a DSPy saved state; per-predictor demos and instructions on hover. */
function stateBadge(program: ProgramInfo): HTMLElement | null {
  const state = program.state;
  if (!state) return null;
  const demos = state.predictors.reduce((n, p) => n + p.demos, 0);
  const detail = state.predictors
    .map((p) => `${p.path}: ${p.demos} demos (${p.augmented_demos} bootstrapped)${p.lm ? `, LM ${p.lm}` : ""}\n${p.instructions}`)
    .join("\n\n");
  const title = `DSPy saved state (${state.source}${state.dspy_version ? `, dspy ${state.dspy_version}` : ""})\n\n${detail}`;
  return h("span", { class: "badge", "data-role": "state", title }, `loaded state · ${demos} demo${demos === 1 ? "" : "s"}`);
}

/** Each field as a chip: `answer: float`. */
function fieldChips(fields: readonly FieldInfo[], side: "in" | "out"): HTMLElement[] {
  return fields.map((f) =>
    h(
      "span",
      { class: `sig-chip sig-${side}`, title: f.description ?? "", "data-field-chip": f.name },
      h("span", { class: "sig-name" }, f.name),
      h("span", { class: "sig-type" }, `: ${f.type}`),
    ),
  );
}

/** Instructions as text, with `backticked` names as code rather than raw backticks. */
export function inlineCode(text: string): (string | HTMLElement)[] {
  return text.split(/(`[^`\n]+`)/).map((part) => (/^`[^`\n]+`$/.test(part) ? h("code", {}, part.slice(1, -1)) : part));
}
