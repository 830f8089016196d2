// The input form, generated from a program's signature: one control per input
// field, format checks in the page, field-level errors from the server inline.
import { fieldControl, type FieldControl } from "./field-kind";
import { h } from "./dom";
import { draftInputs, setDraftInputs } from "./prefs";
import type { JsonSchema, ProgramInfo } from "./types";

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
  /** The inputs of the last successful read: what a 413 was about. */
  private lastRead: Record<string, unknown> | null = null;

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

  /**
   * Values typed into the form, checked as the server would check them (format, required,
   * blank text, the types inside JSON values), so every problem shows at once, inline.
   */
  read(): ReadResult {
    this.clearErrors();
    const inputs: Record<string, unknown> = {};
    let ok = true;
    for (const [name, row] of this.rows) {
      const result = readValue(row);
      if ("errors" in result) {
        for (const error of result.errors) this.showFieldError(name, error);
        ok = false;
      } else if (result.value !== undefined) {
        inputs[name] = result.value;
      }
    }
    if (!ok) this.focusFirstError();
    this.lastRead = ok ? inputs : null;
    return ok ? { ok, inputs } : { ok };
  }

  /** Example inputs put in the form (the program's "Try an example"). */
  fillExample(example: Record<string, unknown>): void {
    this.clearErrors();
    this.fill(example);
  }

  /** Puts a run's inputs back into the form (opening a permalink, picking a recent run). */
  fill(inputs: Record<string, unknown>): void {
    const raw: Record<string, string> = {};
    for (const [name, value] of Object.entries(inputs)) {
      const row = this.rows.get(name);
      if (!row) continue;
      raw[name] =
        row.spec.control.kind === "json"
          ? jsonText(value)
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

  /**
   * A 413: the body was over the server's limit. Says so on the largest field, with the
   * sizes, since that is the one to shorten.
   */
  showTooLarge(message: string, details: unknown): void {
    this.clearErrors();
    const max = Number((details as { max_bytes?: unknown } | null)?.max_bytes) || null;
    const sizes = Object.entries(this.lastRead ?? {}).map(([name, v]) => [name, byteLength(JSON.stringify(v))] as const);
    const total = byteLength(JSON.stringify(this.lastRead ?? {}));
    const largest = sizes.sort((a, b) => b[1] - a[1])[0];
    if (!largest) return this.showServerErrors(message, null);
    const limit = max ? ` The server accepts at most ${bytes(max)} per request.` : "";
    this.showFieldError(largest[0], `Too large: this field is ${bytes(largest[1])} (the whole request ${bytes(total)}).${limit}`);
    this.focusFirstError();
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
        // type=text: a number input hides what was typed when it cannot parse it ("1e400" reads as ""),
        // and the user would be told the field is missing.
        input = h("input", { type: "text", class: "num", inputmode: control.kind === "int" ? "numeric" : "decimal", autocomplete: "off", spellcheck: "false" });
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

/** The typed value (`undefined` for an empty optional field), or every problem with it. */
function readValue(row: FieldRow): { value: unknown } | { errors: string[] } {
  const { control, field, optional } = row.spec;
  const input = row.input;
  if (control.kind === "bool") return { value: (input as HTMLInputElement).checked };
  const raw = input.value;
  // Same words as the server's checks, so a message reads the same whichever side found it.
  if (raw.trim() === "") {
    if (optional) return { value: undefined };
    if (control.kind === "text" && raw !== "") return { errors: [`must not be empty or only whitespace (${field.type})`] };
    return { errors: [`missing required input field (${field.type})`] };
  }
  switch (control.kind) {
    case "int":
    case "float": {
      const problem = numberProblem(raw.trim(), control.kind);
      return problem ? { errors: [problem] } : { value: Number(raw.trim()) };
    }
    case "select":
      return { value: control.options[Number(raw)] };
    case "json": {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (e) {
        return { errors: [`invalid JSON: ${e instanceof Error ? e.message : String(e)}`] };
      }
      if (control.shape === "list" && !Array.isArray(value)) return { errors: ['expected a JSON array, like ["a", "b"]'] };
      if (control.shape === "dict" && (typeof value !== "object" || value === null || Array.isArray(value))) {
        return { errors: ['expected a JSON object, like {"key": "value"}'] };
      }
      const problems = schemaProblems(value, field.schema as JsonSchema, field.name);
      return problems.length ? { errors: problems } : { value };
    }
    default:
      return { value: raw };
  }
}

/** Why `raw` is not a usable int/float ("1e400" overflows to Infinity), or null. */
export function numberProblem(raw: string, kind: "int" | "float"): string | null {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw)) return `expected ${kind === "int" ? "a whole number" : "a number"}, got "${raw}"`;
  const n = Number(raw);
  if (!Number.isFinite(n)) return `"${raw}" is too large: a ${kind} must be between -1.8e308 and 1.8e308`;
  if (kind === "int" && !Number.isInteger(n)) return `expected a whole number, got "${raw}"`;
  if (kind === "int" && !Number.isSafeInteger(n)) return `"${raw}" is too large to be an exact integer (at most ${Number.MAX_SAFE_INTEGER})`;
  return null;
}

/**
 * The values inside a JSON field checked against the field's JSON schema: each problem
 * with its path (`items.1: expected string, got number`), as the server reports them.
 */
export function schemaProblems(value: unknown, schema: JsonSchema | undefined, path: string): string[] {
  if (!schema || Object.keys(schema).length === 0) return [];
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const fits = variants.some((v) => schemaProblems(value, v, path).length === 0);
    return fits ? [] : [`${path}: ${describe(value)} matches none of the allowed types`];
  }
  if (Array.isArray(schema.enum)) {
    return schema.enum.some((o) => o === value) ? [] : [`${path}: expected one of ${schema.enum.map((o) => JSON.stringify(o)).join(", ")}, got ${describe(value)}`];
  }
  if ("const" in schema) return schema.const === value ? [] : [`${path}: expected ${JSON.stringify(schema.const)}, got ${describe(value)}`];
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length && !types.some((t) => isType(value, t))) return [`${path}: expected ${types.join(" or ")}, got ${describe(value)}`];
  if (Array.isArray(value) && schema.items) return value.flatMap((item, i) => schemaProblems(item, schema.items, `${path}.${i}`));
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const extra = schema.additionalProperties as JsonSchema | boolean | undefined;
    const required = (schema.required ?? []) as string[];
    return [
      ...required.filter((k) => !(k in value)).map((k) => `${path}.${k}: missing`),
      ...Object.entries(value).flatMap(([k, v]) =>
        props[k] ? schemaProblems(v, props[k], `${path}.${k}`) : typeof extra === "object" ? schemaProblems(v, extra, `${path}.${k}`) : [],
      ),
    ];
  }
  return [];
}

function isType(value: unknown, type: string): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    default:
      return true;
  }
}

function describe(value: unknown): string {
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  const text = JSON.stringify(value) ?? String(value);
  return `${type} ${text.length > 30 ? `${text.slice(0, 29)}…` : text}`;
}

/** JSON for the editor: one line when short (`[3, 1.5, 4]`), indented otherwise. */
function jsonText(value: unknown): string {
  const flat = JSON.stringify(value);
  return flat !== undefined && flat.length <= 72 ? flat.replace(/,(?=\S)/g, ", ") : JSON.stringify(value, null, 2);
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

function bytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(2)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} bytes`;
}

/** Field-level issues from a 400's `details`, whatever reasonable shape the server chose. */
export interface FieldIssue {
  field: string | null;
  path?: string | null;
  message: string;
}

export function fieldIssues(details: unknown): FieldIssue[] {
  if (!details) return [];
  if (Array.isArray(details)) {
    return details.flatMap((d): FieldIssue[] => {
      if (typeof d === "string") return [{ field: null, message: d }];
      const o = d as { field?: unknown; path?: unknown; message?: unknown; loc?: unknown };
      const raw = o.field ?? o.path ?? o.loc;
      const parts = Array.isArray(raw) ? raw.map(String) : raw != null ? String(raw).split(/[.[\]]+/).filter(Boolean) : [];
      const message = String(o.message ?? JSON.stringify(d));
      // `items.1` is shown on the `items` field, with the index kept in the message.
      const path = parts.join(".");
      return [{ field: parts[0] || null, path: path || null, message: parts.length > 1 ? `${path}: ${message}` : message }];
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
