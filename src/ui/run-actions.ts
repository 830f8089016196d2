// The row under a run's head: whether the run survives its page closing (its
// mode), rerun it as it was or with edited inputs, open its LM calls in the
// playground, and feedback.
import type { UsageByModel } from "../dspy/events";
import { getPrices } from "./api";
import { h } from "./dom";
import { FeedbackWidget } from "./feedback";
import { callCost } from "./prices";
import { money } from "./runs-panel";
import type { Feedback } from "./types";

export type RunModeName = "attached" | "sync" | "durable" | "playground" | "imported";

const MODE: Record<RunModeName, [label: string, title: string]> = {
  durable: ["durable", "Driven by its own Durable Object: it finishes even if every tab is closed, and this permalink follows it live."],
  attached: ["attached · not durable", "Runs in the request that streams it to this page: if the page closes it gets about 30 s to finish, then it is marked interrupted. Its log stays replayable."],
  sync: ["sync · not durable", "A sync call (POST /{program}): it ran while its caller waited. Its log stays replayable."],
  playground: ["playground", "One LM call resent from the playground, logged as its own run."],
  imported: ["imported · read-only", "Opened from an exported run file: it ran on another instance, and is kept here read-only."],
};

export interface RunActionsOptions {
  runId: string;
  mode: RunModeName | null;
  feedback: Feedback | null;
  /** Runs the same inputs again; absent when there is nothing to rerun (a playground call). */
  rerun?: () => void;
  /** Puts the inputs in the form to edit. */
  edit?: () => void;
  playground: () => void;
  onFeedback: (feedback: Feedback) => void;
}

export interface RunActions {
  el: HTMLElement;
  /** Shows the run's estimated cost from its usage per model (once it has ended). */
  showCost(usage: UsageByModel): Promise<void>;
}

export function runActions(o: RunActionsOptions): RunActions {
  const mode = o.mode ? MODE[o.mode] : null;
  const cost = h("span", { class: "run-cost", "data-role": "run-cost", hidden: true });
  const el = h(
    "div",
    { class: "run-actions", "data-role": "run-actions" },
    mode ? h("span", { class: `run-mode m-${o.mode}`, "data-role": "run-mode", title: mode[1] }, mode[0]) : null,
    cost,
    o.rerun ? h("button", { type: "button", class: "btn btn-small", "data-role": "rerun", title: "Run the same inputs again", onclick: o.rerun }, "↻ Rerun") : null,
    o.edit ? h("button", { type: "button", class: "btn btn-small", "data-role": "edit-rerun", title: "Put these inputs in the form to change them", onclick: o.edit }, "✎ Edit inputs") : null,
    h("button", { type: "button", class: "btn btn-small", "data-role": "open-playground", title: "Resend one of this run's LM prompts with edited messages or parameters", onclick: o.playground }, "Playground"),
    h("span", { class: "spacer" }),
    new FeedbackWidget(o.runId, o.feedback, o.onFeedback).el,
  );
  return {
    el,
    async showCost(usage) {
      const prices = await getPrices().catch(() => null);
      if (!prices) return;
      let total = 0;
      for (const [model, u] of Object.entries(usage)) {
        const c = callCost(prices, model, u);
        if (c === null) {
          cost.textContent = "cost: unknown model";
          cost.title = `No list price for ${model} in the price table (${prices.version})`;
          cost.hidden = false;
          return;
        }
        total += c;
      }
      cost.textContent = `${money(total)} est.`;
      cost.title = `Estimated from list prices (price table ${prices.version}); cached-input and batch discounts are not counted`;
      cost.hidden = false;
    },
  };
}

/** What an unknown or expired run id shows instead of a blank page. */
export function runNotFound(runId: string, message: string, back: () => void): HTMLElement {
  return h(
    "section",
    { class: "run-missing", "data-role": "run-not-found", role: "alert" },
    h("h2", {}, "Run not found"),
    h("p", {}, "There is no run ", h("code", {}, runId), ". ", message),
    h("p", { class: "muted" }, "Runs are kept for a limited time (RUN_RETENTION_DAYS, 7 days by default), and an id is 32 hex characters."),
    h("button", { type: "button", class: "btn", "data-role": "back-to-program", onclick: back }, "Back to the program"),
  );
}
