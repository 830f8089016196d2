// The run's outcome: outputs per field in the signature's order, or the error, with a
// link to the node where it started.
import type { ErrorInfo } from "../dspy/events";
import { h } from "./dom";
import { pretty } from "./format";
import type { FieldInfo } from "./types";

export function renderOutputs(outputs: Record<string, unknown>, fields: readonly FieldInfo[]): HTMLElement {
  const declared = fields.map((f) => f.name).filter((n) => n in outputs);
  // A module may return more than its signature declares (ReAct's trajectory): kept, but folded.
  const extra = Object.keys(outputs).filter((n) => !declared.includes(n));
  const list = (names: string[]) =>
    h(
      "dl",
      { class: "outputs" },
      names.flatMap((name) => {
        const field = fields.find((f) => f.name === name);
        const value = outputs[name];
        return [
          h("dt", {}, h("span", { class: "field-name" }, name), field ? h("span", { class: "field-type" }, field.type) : null),
          h("dd", { "data-output": name }, h("pre", { class: typeof value === "string" ? "out-text" : "out-json" }, pretty(value))),
        ];
      }),
    );
  if (declared.length === 0) return list(extra);
  return h(
    "div",
    {},
    list(declared),
    extra.length ? h("details", { class: "extra-outputs" }, h("summary", {}, `Also returned: ${extra.join(", ")}`), list(extra)) : null,
  );
}

export function renderRunError(
  status: string,
  error: ErrorInfo | { type?: string; message: string } | null,
  failing: { label: string; onClick: () => void } | null,
): HTMLElement {
  const title = status === "cancelled" ? "Run cancelled" : status === "interrupted" ? "Run interrupted" : "Run failed";
  return h(
    "div",
    { class: `run-error s-${status}`, role: "alert" },
    h("div", { class: "run-error-title" }, title, error?.type ? h("code", {}, error.type) : null),
    error?.message ? h("pre", {}, error.message) : null,
    // A cancelled or interrupted run did not fail at that step: it stopped there.
    failing
      ? h("button", { type: "button", class: "link", onclick: failing.onClick }, `${status === "failed" ? "Show failing step" : "Show where it stopped"}: ${failing.label}`)
      : null,
  );
}
