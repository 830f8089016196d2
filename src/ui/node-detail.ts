// The expanded view of a node: full prompts (role-labelled), responses, args, results, outputs.
import type { ErrorInfo, Message } from "../dspy/events";
import { h } from "./dom";
import { pretty } from "./format";
import type { CallNode } from "./run-state";

function section(title: string, ...body: (Node | null)[]): HTMLElement {
  return h("section", { class: "d-sec" }, h("h4", {}, title), ...body);
}

function valueBlock(value: unknown): HTMLElement {
  return h("pre", { class: typeof value === "string" ? "d-text" : "d-json" }, pretty(value));
}

/** Field → value, each value in full. */
function fieldsBlock(record: Record<string, unknown>): HTMLElement {
  return h(
    "dl",
    { class: "d-fields" },
    Object.entries(record).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, valueBlock(v))]),
  );
}

function messagesBlock(messages: readonly Message[]): HTMLElement {
  return h(
    "ol",
    { class: "d-messages" },
    messages.map((m) => h("li", { class: `msg msg-${m.role}` }, h("div", { class: "msg-role" }, m.role), h("pre", { class: "msg-content" }, m.content))),
  );
}

function errorBlock(error: ErrorInfo): HTMLElement {
  return h("div", { class: "d-error" }, h("strong", {}, error.type), h("pre", {}, error.message));
}

export function renderDetail(node: CallNode): HTMLElement {
  const start = node.start;
  const end = node.end;
  const parts: (HTMLElement | null)[] = [];
  const error = end && "error" in end ? end.error : null;
  switch (start.type) {
    case "module_start":
      parts.push(section("Inputs", fieldsBlock(start.inputs)));
      if (end?.type === "module_end" && end.outputs) parts.push(section("Outputs", fieldsBlock(end.outputs)));
      break;
    case "adapter_format_start":
      parts.push(section("Signature", h("code", {}, start.signature)));
      if (end?.type === "adapter_format_end" && end.messages) parts.push(section(`Messages (${end.messages.length})`, messagesBlock(end.messages)));
      break;
    case "lm_start":
      parts.push(section(`Prompt (${start.messages.length} messages)`, messagesBlock(start.messages)));
      if (Object.keys(start.params).length) parts.push(section("Params", valueBlock(start.params)));
      parts.push(section(end ? "Response" : "Response (streaming)", h("pre", { class: "d-text d-response" }, node.text)));
      if (end?.type === "lm_end") {
        if (end.texts && end.texts.length > 1) {
          parts.push(section(`All ${end.texts.length} choices`, h("ol", { class: "d-choices" }, end.texts.map((t) => h("li", {}, valueBlock(t))))));
        }
        if (end.usage) parts.push(section("Usage", valueBlock(end.usage)));
      }
      break;
    case "adapter_parse_start":
      parts.push(section("Completion", valueBlock(start.completion)));
      if (end?.type === "adapter_parse_end" && end.outputs) parts.push(section("Parsed outputs", fieldsBlock(end.outputs)));
      break;
    case "tool_start":
      parts.push(section("Arguments", fieldsBlock(start.args)));
      if (end?.type === "tool_end" && !end.error) parts.push(section("Result", valueBlock(end.result)));
      break;
  }
  if (error) parts.push(section("Error", errorBlock(error)));
  parts.push(
    h(
      "div",
      { class: "d-ids" },
      `call ${node.callId}`,
      node.parentId ? ` · parent ${node.parentId}` : "",
      ` · seq ${node.start.seq}${end ? `–${end.seq}` : "…"}`,
    ),
  );
  return h("div", { class: "detail-body" }, parts);
}
