// The input form, generated from a program's signature: one control per input
// field, format checks in the page, field-level errors from the server inline.
import { fieldControl, type FieldControl } from "./field-kind";
import { h } from "./dom";
import { draftInputs, setDraftInputs } from "./prefs";
import type { ProgramInfo } from "./types";

type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

interface FieldRow {
  spec: FieldControl;
  input: Control;
  error: HTMLElement;
}

export type ReadResult = { ok: true; inputs: Record<string, unknown> } | { ok: false };

export class InputForm {
  readonly el: HTMLFormElement;
  private readonly rows = new Map<string, FieldRow>();
  private readonly general: HTMLElement;

  constructor(
    private readonly program: ProgramInfo,
    onSubmit: () => void,
    actions: HTMLElement,
  ) {
    this.general = h("div", { class: "form-error", role: "alert", hidden: true });
    const fields = program.signature.inputs.map((f) => this.row(fieldControl(f)));
    this.el = h("form", { class: "run-form", novalidate: true, "aria-label": `Inputs of ${program.name}` }, fields, this.general, actions);
    this.el.addEventListener("submit", (e) => {
      e.preventDefault();
      onSubmit();
    });
    // Ctrl/Cmd+Enter runs from anywhere in the form, textareas included.
    this.el.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        onSubmit();
      }
    });
    this.el.addEventListener("input", () => this.saveDraft());
    this.el.addEventListener("change", () => this.saveDraft());
    const draft = draftInputs(program.name);
    if (draft) this.fillRaw(draft);
  }

  focus(): void {
    this.rows.values().next().value?.input.focus();
  }

  /** Values typed into the form, checked for format; shows the problems inline when there are any. */
  read(): ReadResult {
    this.clearErrors();
    const inputs: Record<string, unknown> = {};
    let ok = true;
    for (const [name, row] of this.rows) {
      const result = readValue(row);
      if ("error" in result) {
        this.showFieldError(name, result.error);
        ok = false;
      } else if (result.value !== undefined) {
        inputs[name] = result.value;
      }
    }
    if (!ok) this.focusFirstError();
    return ok ? { ok, inputs } : { ok };
  }

  /** Puts a run's inputs back into the form (opening a permalink, picking a recent run). */
  fill(inputs: Record<string, unknown>): void {
    const raw: Record<string, string> = {};
    for (const [name, value] of Object.entries(inputs)) {
      const row = this.rows.get(name);
      if (!row) continue;
      raw[name] =
        row.spec.control.kind === "json"
          ? JSON.stringify(value, null, 2)
          : row.spec.control.kind === "select"
            ? String(row.spec.control.options.findIndex((o) => o === value))
            : String(value);
    }
    this.fillRaw(raw);
    this.saveDraft();
  }

  clearErrors(): void {
    for (const row of this.rows.values()) {
      row.error.hidden = true;
      row.error.textContent = "";
      row.input.removeAttribute("aria-invalid");
    }
    this.general.hidden = true;
    this.general.textContent = "";
  }

  /** Shows the server's 400 details next to the fields they name; the rest above the buttons. */
  showServerErrors(message: string, details: unknown): void {
    this.clearErrors();
    const leftover: string[] = [];
    for (const { field, message: msg } of fieldIssues(details)) {
      if (field && this.rows.has(field)) this.showFieldError(field, msg);
      else leftover.push(field ? `${field}: ${msg}` : msg);
    }
    if (leftover.length || ![...this.rows.values()].some((r) => !r.error.hidden)) {
      this.general.textContent = leftover.length ? `${message} — ${leftover.join("; ")}` : message;
      this.general.hidden = false;
    }
    this.focusFirstError();
  }

  private focusFirstError(): void {
    for (const row of this.rows.values()) {
      if (!row.error.hidden) {
        row.input.focus();
        return;
      }
    }
  }

  private showFieldError(name: string, message: string): void {
    const row = this.rows.get(name);
    if (!row) return;
    row.error.textContent = row.error.textContent ? `${row.error.textContent}; ${message}` : message;
    row.error.hidden = false;
    row.input.setAttribute("aria-invalid", "true");
  }

  private row(spec: FieldControl): HTMLElement {
    const { field, control } = spec;
    const id = `in-${this.program.name}-${field.name}`;
    const errorId = `${id}-error`;
    const hintId = `${id}-hint`;
    const describedBy = `${field.description ? hintId : ""} ${errorId}`.trim();
    let input: Control;
    switch (control.kind) {
      case "int":
      case "float":
        input = h("input", { type: "number", step: control.kind === "int" ? "1" : "any", inputmode: control.kind === "int" ? "numeric" : "decimal" });
        break;
      case "bool":
        input = h("input", { type: "checkbox" });
        break;
      case "select":
        input = h(
          "select",
          {},
          spec.optional ? h("option", { value: "" }, "—") : null,
          control.options.map((o, i) => h("option", { value: String(i) }, String(o))),
        );
        break;
      case "json":
        input = h("textarea", {
          class: "json",
          rows: 3,
          spellcheck: "false",
          placeholder: control.shape === "list" ? '["…", "…"]' : control.shape === "dict" ? '{"key": "value"}' : "JSON",
        });
        break;
      default:
        input = h("textarea", { rows: 2, placeholder: field.description ?? "" });
        autoGrow(input as HTMLTextAreaElement);
    }
    input.id = id;
    input.name = field.name;
    input.setAttribute("aria-describedby", describedBy);
    input.dataset.field = field.name;
    const error = h("div", { class: "field-error", id: errorId, role: "alert", hidden: true, "data-error-for": field.name });
    this.rows.set(field.name, { spec, input, error });
    const label = h(
      "label",
      { for: id, class: "field-label" },
      h("span", { class: "field-name" }, field.name),
      h("span", { class: "field-type" }, field.type),
      spec.optional ? h("span", { class: "field-opt" }, "optional") : null,
    );
    const hint = field.description ? h("div", { class: "field-hint", id: hintId }, field.description) : null;
    return h(
      "div",
      { class: `field field-${control.kind}` },
      control.kind === "bool" ? h("div", { class: "check-row" }, input, label) : [label, input],
      hint,
      error,
    );
  }

  private fillRaw(raw: Record<string, string>): void {
    for (const [name, value] of Object.entries(raw)) {
      const row = this.rows.get(name);
      if (!row) continue;
      if (row.input instanceof HTMLInputElement && row.input.type === "checkbox") row.input.checked = value === "true";
      else row.input.value = value;
      if (row.input instanceof HTMLTextAreaElement) row.input.dispatchEvent(new Event("autogrow"));
    }
  }

  private saveDraft(): void {
    const raw: Record<string, string> = {};
    for (const [name, row] of this.rows) {
      raw[name] = row.input instanceof HTMLInputElement && row.input.type === "checkbox" ? String(row.input.checked) : row.input.value;
    }
    setDraftInputs(this.program.name, raw);
  }
}

function autoGrow(area: HTMLTextAreaElement): void {
  const grow = () => {
    area.style.height = "auto";
    area.style.height = `${Math.min(area.scrollHeight + 2, 320)}px`;
  };
  area.addEventListener("input", grow);
  area.addEventListener("autogrow", () => requestAnimationFrame(grow));
}

/** The typed value, `undefined` for an empty field (the server decides whether it was required). */
function readValue(row: FieldRow): { value: unknown } | { error: string } {
  const { control } = row.spec;
  const input = row.input;
  if (control.kind === "bool") return { value: (input as HTMLInputElement).checked };
  const raw = input.value;
  if (raw.trim() === "" && control.kind !== "text") return { value: undefined };
  switch (control.kind) {
    case "int": {
      const n = Number(raw);
      if (!Number.isInteger(n)) return { error: `expected a whole number, got "${raw}"` };
      return { value: n };
    }
    case "float": {
      const n = Number(raw);
      if (!Number.isFinite(n)) return { error: `expected a number, got "${raw}"` };
      return { value: n };
    }
    case "select":
      return { value: control.options[Number(raw)] };
    case "json": {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (e) {
        return { error: `invalid JSON: ${e instanceof Error ? e.message : String(e)}` };
      }
      if (control.shape === "list" && !Array.isArray(value)) return { error: "expected a JSON array, like [\"a\", \"b\"]" };
      if (control.shape === "dict" && (typeof value !== "object" || value === null || Array.isArray(value))) {
        return { error: 'expected a JSON object, like {"key": "value"}' };
      }
      return { value };
    }
    default:
      // An empty text box is a missing field, so a required one gets the server's "required" message.
      return { value: raw === "" ? undefined : raw };
  }
}

/** Field-level issues from a 400's `details`, whatever reasonable shape the server chose. */
export function fieldIssues(details: unknown): { field: string | null; message: string }[] {
  if (!details) return [];
  if (Array.isArray(details)) {
    return details.flatMap((d) => {
      if (typeof d === "string") return [{ field: null, message: d }];
      const o = d as { field?: unknown; path?: unknown; message?: unknown; loc?: unknown };
      const path = o.field ?? o.path ?? o.loc;
      const field = Array.isArray(path) ? (path.length ? String(path[0]) : null) : path != null ? String(path).split(/[.[]/)[0] : null;
      return [{ field: field || null, message: String(o.message ?? JSON.stringify(d)) }];
    });
  }
  if (typeof details === "object") {
    const o = details as Record<string, unknown>;
    if (o.issues) return fieldIssues(o.issues);
    if (o.fields) return fieldIssues(o.fields);
    if (o.fieldErrors) {
      return [
        ...fieldIssues(o.fieldErrors),
        ...fieldIssues(Array.isArray(o.formErrors) ? o.formErrors : []),
      ];
    }
    return Object.entries(o).flatMap(([field, msg]) =>
      (Array.isArray(msg) ? msg : [msg]).map((m) => ({ field, message: typeof m === "string" ? m : JSON.stringify(m) })),
    );
  }
  return [{ field: null, message: String(details) }];
}
