// Thumbs up/down and a note on a run, saved with the run (POST /api/runs/{id}/feedback)
// and shown in the runs list and metrics: the first step toward datasets.
import { sendFeedback } from "./api";
import { h } from "./dom";
import type { Feedback } from "./types";

export class FeedbackWidget {
  readonly el: HTMLElement;
  private readonly up: HTMLButtonElement;
  private readonly down: HTMLButtonElement;
  private readonly note: HTMLTextAreaElement;
  private readonly noteForm: HTMLFormElement;
  private readonly status: HTMLElement;
  private current: Feedback | null;

  constructor(
    private readonly runId: string,
    initial: Feedback | null,
    private readonly onSaved: (feedback: Feedback) => void = () => {},
  ) {
    this.current = initial;
    this.up = h("button", { type: "button", class: "btn btn-small fb-btn", "data-role": "feedback-up", "aria-label": "Good run", title: "Good run" }, "✓ Good");
    this.down = h("button", { type: "button", class: "btn btn-small fb-btn", "data-role": "feedback-down", "aria-label": "Bad run", title: "Bad run" }, "✗ Bad");
    this.up.addEventListener("click", () => void this.rate("up"));
    this.down.addEventListener("click", () => void this.rate("down"));
    this.note = h("textarea", { rows: 2, maxlength: 2000, placeholder: "What was right or wrong? (optional)", "aria-label": "Feedback note", "data-role": "feedback-note" });
    this.note.value = initial?.note ?? "";
    this.status = h("span", { class: "fb-status muted", role: "status", "data-role": "feedback-status" });
    this.noteForm = h(
      "form",
      { class: "fb-note", hidden: true },
      this.note,
      h("button", { type: "submit", class: "btn btn-small", "data-role": "feedback-save" }, "Save note"),
    );
    this.noteForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.save(this.current?.rating ?? null, this.note.value);
    });
    const noteToggle = h(
      "button",
      {
        type: "button",
        class: "link fb-note-toggle",
        "data-role": "feedback-note-toggle",
        onclick: () => {
          this.noteForm.hidden = !this.noteForm.hidden;
          if (!this.noteForm.hidden) this.note.focus();
        },
      },
      "note",
    );
    this.el = h("span", { class: "feedback", "data-role": "feedback" }, this.up, this.down, noteToggle, this.status, this.noteForm);
    this.render();
  }

  private async rate(rating: "up" | "down"): Promise<void> {
    // Pressing the same thumb again takes it back (the note stays).
    const next = this.current?.rating === rating ? null : rating;
    if (next === null && !this.note.value.trim()) {
      this.status.textContent = "Give a thumb or a note";
      return;
    }
    await this.save(next, this.note.value);
    if (next === "down" && !this.note.value.trim()) {
      this.noteForm.hidden = false;
      this.note.focus();
    }
  }

  private async save(rating: "up" | "down" | null, note: string): Promise<void> {
    this.status.textContent = "saving…";
    try {
      this.current = await sendFeedback(this.runId, rating, note);
      this.status.textContent = this.current.note ? "saved with note" : "saved";
      this.noteForm.hidden = true;
      this.onSaved(this.current);
    } catch (e) {
      this.status.textContent = `not saved: ${(e as Error).message}`;
    }
    this.render();
  }

  private render(): void {
    this.up.setAttribute("aria-pressed", String(this.current?.rating === "up"));
    this.down.setAttribute("aria-pressed", String(this.current?.rating === "down"));
  }
}
