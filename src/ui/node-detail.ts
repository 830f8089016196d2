// The selected call, in the side pane: its error first, then Input / Output / Prompt / Raw tabs
// (and a module's own view: ReAct's numbered trajectory, BestOfN's attempts with rewards,
// ProgramOfThought's code, MultiChainComparison's numbered attempts), each section with a copy
// button, the system prompt folded.
import type { ErrorInfo, Message } from "../dspy/events";
import { copyText } from "./curl";
import { append, h } from "./dom";
import { ms, pretty, preview } from "./format";
import { highlightJs } from "./highlight";
import { attemptOutcome, completionFields, formatReward, KIND_ICON, KIND_LABEL, nodeTitle, stepLabel } from "./node-summary";
import { nodeError, type CallNode, type NodeKind, type RunState } from "./run-state";

type TabId = "view" | "output" | "input" | "prompt" | "raw";
const TAB_LABEL: Record<Exclude<TabId, "view">, string> = { output: "Output", input: "Input", prompt: "Prompt", raw: "Raw" };

/** The module classes with a view of their own, and its tab's name. */
const MODULE_VIEW: Record<string, string> = {
  ReAct: "Trajectory",
  BestOfN: "Attempts",
  Refine: "Attempts",
  ProgramOfThought: "Code",
  MultiChainComparison: "Attempts",
};

function copyButton(text: () => string, what: string): HTMLButtonElement {
  const button = h("button", { type: "button", class: "btn btn-small copy", title: `Copy ${what}`, "aria-label": `Copy ${what}` }, "Copy");
  button.addEventListener("click", async () => {
    const ok = await copyText(text());
    button.textContent = ok ? "Copied" : "Blocked";
    setTimeout(() => (button.textContent = "Copy"), 1200);
  });
  return button;
}

function section(title: string, copy: (() => string) | null, ...body: (Node | null)[]): HTMLElement {
  return h("section", { class: "d-sec" }, h("div", { class: "d-sec-head" }, h("h4", {}, title), copy ? copyButton(copy, title.toLowerCase()) : null), ...body);
}

function valueBlock(value: unknown): HTMLElement {
  return h("pre", { class: typeof value === "string" ? "d-text" : "d-json" }, pretty(value));
}

/** Field → value, each value in full with its own copy button. */
function fieldsBlock(record: Record<string, unknown>): HTMLElement {
  return h(
    "dl",
    { class: "d-fields" },
    Object.entries(record).flatMap(([k, v]) => [
      h("dt", {}, k, copyButton(() => pretty(v), k)),
      h("dd", { "data-field": k }, valueBlock(v)),
    ]),
  );
}

/** The prompt, role by role; the system message (long, the same each call) folded. */
function messagesBlock(messages: readonly Message[]): HTMLElement {
  return h(
    "ol",
    { class: "d-messages" },
    messages.map((m) => {
      const content = h("pre", { class: "msg-content" }, m.content);
      const copy = copyButton(() => m.content, `${m.role} message`);
      if (m.role === "system") {
        return h(
          "li",
          { class: "msg msg-system" },
          h("details", {}, h("summary", { class: "msg-role" }, `system · ${m.content.length.toLocaleString()} characters`), copy, content),
        );
      }
      return h("li", { class: `msg msg-${m.role}` }, h("div", { class: "msg-role" }, m.role, copy), content);
    }),
  );
}

function errorBlock(error: ErrorInfo, stopped: boolean): HTMLElement {
  return h(
    "div",
    { class: `d-error${stopped ? " stopped" : ""}`, "data-role": "detail-error" },
    h("strong", {}, stopped ? `Stopped · ${error.type}` : error.type),
    h("pre", {}, error.message),
  );
}

export class DetailPane {
  readonly el: HTMLElement;
  private readonly head: HTMLElement;
  private readonly tabBar: HTMLElement;
  private readonly body: HTMLElement;
  private node: CallNode | null = null;
  private tab: TabId = "output";
  /** The tab last picked for each kind of call, reused when another call of that kind is selected. */
  private readonly picked = new Map<NodeKind, TabId>();
  private renderQueued = false;

  constructor(
    private readonly run: RunState,
    private readonly onPick: (callId: string) => void,
  ) {
    this.head = h("div", { class: "d-head" });
    this.tabBar = h("div", { class: "d-tabs", role: "tablist", "aria-label": "Call details" });
    this.body = h("div", { class: "d-body", role: "tabpanel", tabindex: "0" });
    this.el = h("aside", { class: "detail-pane", "aria-label": "Selected call", hidden: true }, this.head, this.tabBar, this.body);
    this.tabBar.addEventListener("keydown", (e) => this.onTabKey(e));
    // Escape anywhere in the details goes back to the tree.
    this.el.addEventListener("keydown", (e) => {
      if (e.key !== "Escape" || e.defaultPrevented) return;
      e.preventDefault();
      this.el.dispatchEvent(new CustomEvent("close-detail", { bubbles: true }));
    });
    run.subscribe((c) => {
      const node = this.node;
      if (!node || !("node" in c)) return;
      if (c.node === node || (this.tab === "view" && isUnder(run, c.node, node))) {
        // Tokens arrive fast: redraw at most once a frame, and only what shows them.
        if (c.kind === "node_delta" && this.tab !== "output" && this.tab !== "view") return;
        this.queueRender();
      }
    });
  }

  show(node: CallNode | null): void {
    const changed = node !== this.node;
    this.node = node;
    this.el.hidden = node === null;
    if (!node) return;
    if (changed) {
      const tabs = this.tabsOf(node);
      const remembered = this.picked.get(node.kind);
      this.tab = remembered && tabs.includes(remembered) ? remembered : tabs[0];
    }
    this.render();
  }

  /** Moves keyboard focus to the selected tab (Enter on a tree row). */
  focus(): void {
    this.tabBar.querySelector<HTMLElement>('[aria-selected="true"]')?.focus();
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  private tabsOf(node: CallNode): TabId[] {
    switch (node.kind) {
      case "module":
        return [...(node.start.type === "module_start" && MODULE_VIEW[node.start.module] ? (["view"] as const) : []), "output", "input", "raw"];
      case "lm":
        return ["output", "prompt", "input", "raw"];
      case "format":
        return ["prompt", "input", "raw"];
      default:
        return ["output", "input", "raw"];
    }
  }

  private render(): void {
    const node = this.node;
    if (!node) return;
    const parent = node.parentId ? (this.run.nodes.get(node.parentId) ?? null) : null;
    const title = nodeTitle(node);
    const status = this.run.callStatus(node);
    const label = stepLabel(node, parent);
    const outcome = attemptOutcome(node, parent);
    this.head.replaceChildren();
    append(this.head, [
      h("span", { class: `n-icon k-${node.kind}`, "aria-hidden": "true" }, KIND_ICON[node.kind]),
      h("span", { class: "d-kind" }, KIND_LABEL[node.kind]),
      h("strong", { class: "d-title" }, title.primary),
      title.secondary ? h("span", { class: "n-path" }, title.secondary) : null,
      label ? h("span", { class: "n-step" }, label) : null,
      outcome ? h("span", { class: `n-outcome${outcome.kept ? " kept" : ""}` }, `${outcome.kept ? "✓ kept · " : ""}${outcome.reward === null ? "failed" : `reward ${formatReward(outcome.reward)}`}`) : null,
      h("span", { class: `d-status s-${status}` }, status === "open" ? "running" : status === "ok" ? "" : status),
      h("span", { class: "d-dur" }, node.end ? ms(node.end.duration_ms) : ""),
      h("button", { type: "button", class: "btn btn-small d-close", "aria-label": "Close details", onclick: () => this.el.dispatchEvent(new CustomEvent("close-detail", { bubbles: true })) }, "✕"),
    ]);
    const tabs = this.tabsOf(node);
    const viewName = node.start.type === "module_start" ? MODULE_VIEW[node.start.module] : undefined;
    this.tabBar.replaceChildren(
      ...tabs.map((t) =>
        h(
          "button",
          {
            type: "button",
            role: "tab",
            class: "d-tab",
            "data-detail-tab": t,
            "aria-selected": String(t === this.tab),
            tabindex: t === this.tab ? "0" : "-1",
            onclick: () => this.pick(t),
          },
          t === "view" ? (viewName ?? "View") : TAB_LABEL[t],
        ),
      ),
    );
    const error = nodeError(node);
    this.body.replaceChildren();
    append(this.body, [
      error ? errorBlock(error, status === "stopped") : null,
      ...this.tabBody(node),
      h("div", { class: "d-ids" }, `call ${node.callId}`, node.parentId ? ` · parent ${node.parentId}` : "", ` · seq ${node.start.seq}${node.end ? `–${node.end.seq}` : "…"}`),
    ]);
  }

  private pick(tab: TabId): void {
    if (!this.node) return;
    this.tab = tab;
    this.picked.set(this.node.kind, tab);
    this.render();
    this.tabBar.querySelector<HTMLElement>(`[data-detail-tab="${tab}"]`)?.focus();
  }

  private onTabKey(e: KeyboardEvent): void {
    if (!this.node) return;
    const tabs = this.tabsOf(this.node);
    const i = tabs.indexOf(this.tab);
    if (e.key === "ArrowRight") this.pick(tabs[(i + 1) % tabs.length]);
    else if (e.key === "ArrowLeft") this.pick(tabs[(i + tabs.length - 1) % tabs.length]);
    else return;
    e.preventDefault();
  }

  private tabBody(node: CallNode): (HTMLElement | null)[] {
    const start = node.start;
    const end = node.end;
    switch (this.tab) {
      case "raw": {
        const events = [start, ...node.retries, ...(end ? [end] : [])];
        return [section("Events", () => pretty(events), valueBlock(events))];
      }
      case "view":
        return [this.moduleView(node)];
      case "prompt": {
        const messages = start.type === "lm_start" ? start.messages : end?.type === "adapter_format_end" ? end.messages : null;
        if (!messages) return [h("p", { class: "muted" }, "No prompt yet.")];
        return [section(`Prompt (${messages.length} messages)`, () => messages.map((m) => `${m.role}:\n${m.content}`).join("\n\n"), messagesBlock(messages))];
      }
      case "input":
        switch (start.type) {
          case "module_start":
            return [section("Inputs", () => pretty(start.inputs), fieldsBlock(start.inputs))];
          case "adapter_format_start":
            return [
              section("Signature", () => start.signature, h("code", {}, start.signature)),
              section(`Inputs${start.demos ? ` · ${start.demos} demos` : ""}`, () => pretty(start.inputs), fieldsBlock(start.inputs)),
            ];
          case "lm_start":
            return [
              section(`Model ${start.model}`, () => pretty(start.params), valueBlock(start.params)),
              node.retries.length ? this.retriesBlock(node) : null,
            ];
          case "adapter_parse_start":
            return [section("Completion", () => start.completion, valueBlock(start.completion))];
          case "tool_start":
            return [
              typeof start.args.code === "string"
                ? section("Code", () => String(start.args.code), highlightJs(start.args.code))
                : section("Arguments", () => pretty(start.args), fieldsBlock(start.args)),
            ];
        }
        return [];
      case "output":
        return this.outputBody(node);
    }
  }

  private outputBody(node: CallNode): (HTMLElement | null)[] {
    const end = node.end;
    switch (node.start.type) {
      case "lm_start": {
        const parts: (HTMLElement | null)[] = [];
        if (end?.type === "lm_end" && end.texts && end.texts.length > 1) {
          const texts = end.texts;
          parts.push(
            section(
              `${texts.length} completions`,
              () => texts.join("\n\n"),
              h("ol", { class: "d-choices" }, texts.map((t, i) => h("li", { "data-choice": i + 1 }, h("div", { class: "d-choice-n" }, `completion ${i + 1} of ${texts.length}`), valueBlock(t)))),
            ),
          );
        } else {
          // Per-field as it streams (lm_delta.field, or ChatAdapter's markers), then the raw text.
          const fields = completionFields(node);
          if (fields?.length) parts.push(section(end ? "Fields" : "Fields (streaming)", () => pretty(Object.fromEntries(fields)), fieldsBlock(Object.fromEntries(fields))));
          // A call that failed before any token has no response to show: its error says it all.
          if (node.text || !nodeError(node)) parts.push(section(end ? "Response" : "Response (streaming)", () => node.text, h("pre", { class: "d-text d-response" }, node.text)));
        }
        if (end?.type === "lm_end" && end.usage) parts.push(section("Usage", () => pretty(end.usage), valueBlock(end.usage)));
        return parts;
      }
      case "module_start":
        return end?.type === "module_end" && end.outputs ? [section("Outputs", () => pretty(end.outputs), fieldsBlock(end.outputs))] : [pending(node)];
      case "adapter_format_start":
        return [];
      case "adapter_parse_start":
        return end?.type === "adapter_parse_end" && end.outputs ? [section("Parsed outputs", () => pretty(end.outputs), fieldsBlock(end.outputs))] : [pending(node)];
      case "tool_start":
        return end?.type === "tool_end" && !end.error ? [section("Result", () => pretty(end.result), valueBlock(end.result))] : [pending(node)];
    }
  }

  private retriesBlock(node: CallNode): HTMLElement {
    return section(
      `Retried attempts (${node.retries.length})`,
      () => pretty(node.retries),
      h(
        "ol",
        { class: "d-retries" },
        node.retries.map((r) =>
          h("li", {}, `attempt ${r.attempt}: ${r.status === null ? "no response" : `HTTP ${r.status}`} · ${r.error.type}: ${r.error.message} · waited ${ms(r.wait_ms)}`),
        ),
      ),
    );
  }

  /** A module's own view: its repeated steps, numbered. */
  private moduleView(node: CallNode): HTMLElement {
    const module = node.start.type === "module_start" ? node.start.module : "";
    if (module === "ReAct") return this.trajectory(node);
    if (module === "ProgramOfThought") return this.codeRuns(node);
    if (module === "MultiChainComparison") return this.comparedAttempts(node);
    return this.attempts(node);
  }

  private trajectory(node: CallNode): HTMLElement {
    const steps = new Map<number, { thought?: CallNode; tool?: CallNode }>();
    for (const child of node.children) {
      const s = child.start.type === "module_start" || child.start.type === "tool_start" ? child.start.step : undefined;
      if (s === undefined) continue;
      const entry = steps.get(s) ?? {};
      if (child.kind === "tool") entry.tool = child;
      else entry.thought = child;
      steps.set(s, entry);
    }
    if (!steps.size) return h("p", { class: "muted" }, "No steps yet.");
    return h(
      "ol",
      { class: "d-steps", "aria-label": "Trajectory" },
      [...steps].map(([k, { thought, tool }]) => {
        const out = thought?.end?.type === "module_end" ? thought.end.outputs : null;
        const toolStart = tool?.start.type === "tool_start" ? tool.start : null;
        const toolEnd = tool?.end?.type === "tool_end" ? tool.end : null;
        const observation = toolEnd ? (toolEnd.error ? `${toolEnd.error.type}: ${toolEnd.error.message}` : toolEnd.result) : undefined;
        return h(
          "li",
          { class: "d-step", "data-step": k },
          h("div", { class: "d-step-n" }, `Step ${k}`),
          h("div", { class: "d-step-part" }, h("span", { class: "d-step-label" }, "Thought"), h("span", {}, out ? String(out.next_thought ?? "") : thought ? "…" : "")),
          h(
            "div",
            { class: "d-step-part" },
            h("span", { class: "d-step-label" }, "Tool"),
            h("code", {}, toolStart ? `${toolStart.tool}(${preview(toolStart.args, 200)})` : out ? String(out.next_tool_name ?? "") : "…"),
          ),
          h("div", { class: "d-step-part" }, h("span", { class: "d-step-label" }, "Observation"), observation === undefined ? h("span", { class: "muted" }, "…") : valueBlock(observation)),
          tool ? h("button", { type: "button", class: "link", onclick: () => this.onPick(tool.callId) }, "show call") : null,
        );
      }),
    );
  }

  private attempts(node: CallNode): HTMLElement {
    const end = node.end?.type === "module_end" ? node.end : null;
    const attempts = node.children.filter((c) => c.start.type === "module_start" && c.start.step !== undefined && !c.name.endsWith(".feedback"));
    if (!attempts.length) return h("p", { class: "muted" }, "No attempts yet.");
    const threshold = end?.threshold;
    return h(
      "div",
      {},
      threshold !== undefined
        ? h("p", { class: "d-note" }, `The first attempt with a reward of at least ${formatReward(threshold)} is kept at once; otherwise the one with the highest reward.`)
        : h("p", { class: "d-note" }, "Rewards show once every attempt has ended."),
      h(
        "table",
        { class: "d-attempts" },
        h("thead", {}, h("tr", {}, h("th", {}, "attempt"), h("th", {}, "reward"), h("th", {}, "outputs"), h("th", {}, ""))),
        h(
          "tbody",
          {},
          attempts.map((a) => {
            const outcome = attemptOutcome(a, node);
            const step = a.start.type === "module_start" ? a.start.step : 0;
            const of = a.start.type === "module_start" ? a.start.step_of : undefined;
            const out = a.end?.type === "module_end" ? a.end : null;
            return h(
              "tr",
              { class: outcome?.kept ? "kept" : "", "data-step": step },
              h("td", {}, h("button", { type: "button", class: "link", onclick: () => this.onPick(a.callId) }, `${step}${of ? ` of ${of}` : ""}`)),
              h("td", { class: "num" }, outcome ? (outcome.reward === null ? "—" : formatReward(outcome.reward)) : a.end ? "…" : "running"),
              h("td", {}, out?.error ? `${out.error.type}: ${preview(out.error.message, 100)}` : out?.outputs ? preview(Object.entries(out.outputs).map(([k, v]) => `${k}: ${preview(v, 80)}`).join(" · "), 200) : "…"),
              h("td", {}, outcome?.kept ? h("strong", { class: "kept-mark" }, "✓ kept") : ""),
            );
          }),
        ),
      ),
    );
  }

  private codeRuns(node: CallNode): HTMLElement {
    const runs = node.children.flatMap((c) => [...walkKind(c, "tool")]);
    if (!runs.length) return h("p", { class: "muted" }, "No code has run yet.");
    return h(
      "ol",
      { class: "d-steps" },
      runs.map((r, i) => {
        const code = r.start.type === "tool_start" ? String(r.start.args.code ?? "") : "";
        const end = r.end?.type === "tool_end" ? r.end : null;
        return h(
          "li",
          { class: "d-step", "data-step": i + 1 },
          h("div", { class: "d-step-n" }, `Run ${i + 1}${runs.length > 1 ? ` of ${runs.length}` : ""}`),
          section("Code", () => code, highlightJs(code)),
          end?.error
            ? section("Error", null, errorBlock(end.error, false))
            : section("Output", () => pretty(end?.result), end ? valueBlock(end.result) : h("span", { class: "muted" }, "running…")),
        );
      }),
      node.end?.type === "module_end" && node.end.outputs ? h("li", { class: "d-step" }, section("Result", () => pretty((node.end as { outputs: unknown }).outputs), fieldsBlock(node.end.outputs))) : null,
    );
  }

  private comparedAttempts(node: CallNode): HTMLElement {
    const inputs = node.start.type === "module_start" ? node.start.inputs : {};
    const completions = Array.isArray(inputs.completions) ? (inputs.completions as unknown[]) : [];
    return h(
      "ol",
      { class: "d-steps" },
      completions.map((c, i) => h("li", { class: "d-step", "data-step": i + 1 }, h("div", { class: "d-step-n" }, `Attempt #${i + 1} of ${completions.length}`), valueBlock(c))),
      node.end?.type === "module_end" && node.end.outputs ? h("li", { class: "d-step" }, h("div", { class: "d-step-n" }, "Compared answer"), fieldsBlock(node.end.outputs)) : null,
    );
  }
}

function pending(node: CallNode): HTMLElement {
  return h("p", { class: "muted" }, node.end ? "No output." : "Still running…");
}

function* walkKind(node: CallNode, kind: NodeKind): Generator<CallNode> {
  if (node.kind === kind) yield node;
  for (const c of node.children) yield* walkKind(c, kind);
}

function isUnder(run: RunState, node: CallNode, ancestor: CallNode): boolean {
  for (let n: CallNode | undefined = node; n; n = n.parentId ? run.nodes.get(n.parentId) : undefined) if (n === ancestor) return true;
  return false;
}
