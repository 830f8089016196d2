// The page: programs on the left, the selected program and its run in the middle,
// recent runs and metrics on the right. Routes: `/`, `/?program=`, `/runs/{id}`.
import { ApiError, getRun, listPrograms, runDurable, runStream, runSync } from "./api";
import { CompareView } from "./compare-view";
import { lmCalls } from "./lm-calls";
import { PlaygroundView } from "./playground-view";
import { runActions, runNotFound, type RunModeName } from "./run-actions";
import { copyText, curlCommand } from "./curl";
import { byId, h } from "./dom";
import { ProgramList } from "./program-list";
import { ProgramView } from "./program-view";
import { lastProgram, setApiToken, setLastProgram } from "./prefs";
import { currentRoute, goToCompare, goToProgram, goToRun } from "./router";
import { RunView } from "./run-view";
import { RunsPanel } from "./runs-panel";
import type { Feedback, ProgramInfo } from "./types";

/** What the run's action row needs to know about it. */
interface RunFacts {
  mode: RunModeName | null;
  inputs: Record<string, unknown> | null;
  feedback: Feedback | null;
}

export class App {
  private programs: ProgramInfo[] = [];
  private list: ProgramList | null = null;
  private view: ProgramView | null = null;
  private run: RunView | null = null;
  private readonly runsPanel = new RunsPanel({
    open: (id) => void this.openRun(id, true),
    compare: (a, b) => void this.openCompare(a, b, true),
  });
  /** A live run's view kept while another program is shown, so coming back shows it still live. */
  private readonly parked = new Map<string, RunView>();
  /** The compare or playground panel in the run slot, if one is open. */
  private panel: { el: HTMLElement; destroy?: () => void } | null = null;
  private readonly banner = byId("banner");
  private readonly nav = byId("nav");
  private readonly programSlot = byId("program");
  private readonly runSlot = byId("run-slot");

  async start(): Promise<void> {
    byId("side").appendChild(this.runsPanel.el);
    window.addEventListener("popstate", () => void this.route());
    // Any view (an LM row's detail, say) can open the playground on one call of the shown run.
    document.addEventListener("dspy-edge:playground", (e) => {
      const detail = (e as CustomEvent<{ callId?: string }>).detail;
      this.openPlayground(detail?.callId ?? null);
    });
    try {
      this.programs = await listPrograms();
    } catch (e) {
      // The nav said "Loading programs…": say instead why there are none to show.
      if (e instanceof ApiError && e.status === 401) {
        this.navNote("Waiting for the API token.");
        return this.askToken(e.message);
      }
      this.navNote("The programs could not be loaded.");
      return this.error(e);
    }
    this.list = new ProgramList(this.programs, (name) => this.selectProgram(name, true));
    this.nav.replaceChildren(this.list.el);
    if (this.programs.length === 0) this.programSlot.replaceChildren(h("p", { class: "muted" }, "The server has no programs registered."));
    await this.route();
    document.body.dataset.ready = "1";
  }

  private async route(): Promise<void> {
    const route = currentRoute();
    if ("run" in route) return this.openRun(route.run, false);
    if ("compare" in route) return this.openCompare(route.compare[0], route.compare[1], false);
    const name = route.program ?? lastProgram() ?? this.programs[0]?.name;
    if (name) this.selectProgram(name, false);
    this.clearRun(); // back from a run's permalink to the program
    this.view?.setBusy(false);
  }

  private selectProgram(name: string, push: boolean): void {
    const program = this.programs.find((p) => p.name === name) ?? this.programs[0];
    if (!program) return;
    if (push) goToProgram(program.name);
    if (this.view?.program.name !== program.name) {
      this.parkRun();
      this.view = new ProgramView(program, { run: () => void this.submit(), copyCurl: () => void this.copyCurl() });
      this.programSlot.replaceChildren(this.view.el);
      this.list?.select(program.name);
      setLastProgram(program.name);
      void this.runsPanel.show(program.name);
      document.title = `${program.name} · dspy-edge`;
      const parked = this.parked.get(program.name);
      if (parked && push) {
        // Back to a program whose run was still going when we left: show it, still live.
        this.parked.delete(program.name);
        this.clearRun();
        this.run = parked;
        this.runSlot.replaceChildren(parked.el);
        goToRun(parked.state.runId, true);
        this.view.setBusy(!parked.state.done);
        return;
      }
    }
    if (push) {
      this.clearRun();
      this.view.form.focus();
    }
  }

  /** Opens a run by id: replays its log, then follows it live if it is still going. */
  private async openRun(runId: string, push: boolean): Promise<void> {
    this.hideBanner();
    if (push) goToRun(runId);
    let program: ProgramInfo | undefined;
    let facts: RunFacts;
    try {
      const info = await getRun(runId);
      program = this.programs.find((p) => p.name === info.program);
      if (program) {
        this.selectProgram(program.name, false);
        if (info.inputs && info.mode !== "playground") this.view?.form.fill(info.inputs);
      }
      facts = { mode: info.mode, inputs: info.mode === "playground" ? null : info.inputs, feedback: info.feedback };
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return this.showNotFound(runId, e.message);
      return this.error(e);
    }
    this.showRun(runId, program ?? null, facts).resume();
  }

  private showNotFound(runId: string, message: string): void {
    const name = this.view?.program.name ?? lastProgram() ?? this.programs[0]?.name;
    if (name) this.selectProgram(name, false);
    this.clearRun();
    document.title = "Run not found · dspy-edge";
    this.runSlot.replaceChildren(runNotFound(runId, message, () => name && this.selectProgram(name, true)));
    document.body.dataset.ready = "1";
  }

  private showRun(runId: string, program: ProgramInfo | null, facts: RunFacts): RunView {
    this.clearRun();
    const actions = runActions({
      runId,
      mode: facts.mode,
      feedback: facts.feedback,
      rerun: facts.inputs && program ? () => this.rerun(program, facts.inputs!, false) : undefined,
      edit: facts.inputs && program ? () => this.rerun(program, facts.inputs!, true) : undefined,
      playground: () => this.openPlayground(null),
      onFeedback: () => this.runsPanel.refresh(),
    });
    const view: RunView = new RunView({
      runId,
      program,
      onEnd: (state) => {
        if (this.run === view) this.view?.setBusy(false);
        this.runsPanel.refresh(runId);
        void actions.showCost(state.summary.usage);
      },
      onError: (m) => this.error(m),
      actions: actions.el,
    });
    this.run = view;
    this.runSlot.replaceChildren(this.run.el);
    // A long form (or a phone) can leave the run below the fold: bring its head into view.
    const top = this.run.el.getBoundingClientRect().top;
    if (top > window.innerHeight - 160) this.run.el.scrollIntoView({ block: "start", behavior: "smooth" });
    return this.run;
  }

  private clearRun(): void {
    this.panel?.destroy?.();
    this.panel = null;
    this.run?.destroy();
    this.run = null;
    this.runSlot.replaceChildren();
  }

  /** Leaving a program while its run is live: keep the view (and its stream) for when we come back. */
  private parkRun(): void {
    const run = this.run;
    const program = this.view?.program.name;
    if (!run || !program || run.state.done) return;
    this.parked.get(program)?.destroy();
    this.parked.set(program, run);
    run.el.remove();
    this.run = null;
  }

  /** Same inputs again (`edit`: put them in the form to change first). */
  private rerun(program: ProgramInfo, inputs: Record<string, unknown>, edit: boolean): void {
    this.selectProgram(program.name, false);
    const view = this.view;
    if (!view) return;
    view.form.fill(inputs);
    if (!edit) return void this.submit();
    view.el.scrollIntoView({ block: "start", behavior: "smooth" });
    view.form.focus();
  }

  private async openCompare(a: string, b: string, push: boolean): Promise<void> {
    this.hideBanner();
    if (push) goToCompare(a, b);
    this.clearRun();
    const compare = new CompareView([a, b], (id) => void this.openRun(id, true), () => {
      const name = this.view?.program.name;
      if (name) this.selectProgram(name, true);
      else this.clearRun();
    });
    if (!this.view) {
      // Opened from its URL: show the program the runs belong to.
      const info = await getRun(a).catch(() => null);
      this.selectProgram(info?.program ?? lastProgram() ?? this.programs[0]?.name ?? "", false);
    }
    this.panel = compare;
    this.runSlot.replaceChildren(compare.el);
    await compare.load();
    document.body.dataset.ready = "1";
  }

  /** The playground on the shown run's LM calls (`callId` first), over the run until closed. */
  private openPlayground(callId: string | null): void {
    const run = this.run;
    const program = this.view?.program;
    if (!run || !program) return;
    this.panel?.destroy?.();
    const pg = new PlaygroundView({
      program,
      runId: run.state.runId,
      calls: lmCalls(run.state.events),
      callId,
      onClose: () => {
        pg.destroy();
        this.panel = null;
        if (this.run === run) this.runSlot.replaceChildren(run.el);
      },
      onStarted: () => this.runsPanel.refresh(),
      onError: (m) => this.error(m),
    });
    this.panel = pg;
    this.runSlot.replaceChildren(pg.el);
    pg.el.scrollIntoView({ block: "start", behavior: "smooth" });
    pg.focus();
  }

  private async submit(): Promise<void> {
    const view = this.view;
    if (!view) return;
    const read = view.form.read();
    if (!read.ok) return;
    this.hideBanner();
    view.setBusy(true);
    const program = view.program;
    try {
      if (view.mode === "durable") {
        const { run_id: runId } = await runDurable(program.name, read.inputs);
        goToRun(runId);
        this.showRun(runId, program, { mode: "durable", inputs: read.inputs, feedback: null }).resume();
        this.runsPanel.refresh();
      } else if (view.mode === "stream") {
        const controller = new AbortController();
        const { runId, response } = await runStream(program.name, read.inputs, controller.signal);
        goToRun(runId);
        this.showRun(runId, program, { mode: "attached", inputs: read.inputs, feedback: null }).attach(response, controller);
        this.runsPanel.refresh();
      } else {
        this.clearRun();
        this.runSlot.replaceChildren(h("div", { class: "sync-wait", role: "status" }, h("span", { class: "spinner" }), `Running ${program.name} (sync)…`));
        const result = await runSync(program.name, read.inputs);
        const { run_id: runId, ...outputs } = result;
        if (!runId) {
          this.runSlot.replaceChildren(h("pre", { class: "out-json" }, JSON.stringify(outputs, null, 2)));
          view.setBusy(false);
          return;
        }
        goToRun(runId);
        const run = this.showRun(runId, program, { mode: "sync", inputs: read.inputs, feedback: null });
        run.showOutputs(outputs);
        run.resume(); // the trace, replayed from the run's log
      }
    } catch (e) {
      view.setBusy(false);
      if (this.run === null) this.runSlot.replaceChildren();
      const failedRun = e instanceof ApiError ? (e.details as { run_id?: unknown } | null)?.run_id : undefined;
      if (e instanceof ApiError && e.status === 400) view.form.showServerErrors(e.message, e.details);
      else if (e instanceof ApiError && e.status === 413) view.form.showTooLarge(e.message, e.details);
      else if (typeof failedRun === "string") {
        // A sync run that failed still has its log: show where it failed, as for a streamed run.
        goToRun(failedRun);
        this.showRun(failedRun, program, { mode: "sync", inputs: read.inputs, feedback: null }).resume();
      }
      else if (e instanceof ApiError && e.status === 401) this.askToken(e.message);
      else this.error(e);
    }
  }

  private async copyCurl(): Promise<void> {
    const view = this.view;
    if (!view) return;
    const read = view.form.read();
    if (!read.ok) return;
    const ok = await copyText(curlCommand(location.origin, view.program.name, read.inputs, view.mode));
    this.toast(ok ? "curl command copied" : "could not copy: the clipboard is blocked");
  }

  private toast(text: string): void {
    for (const old of document.querySelectorAll(".toast")) old.remove();
    const t = h("div", { class: "toast", role: "status" }, text);
    document.body.appendChild(t);
    setTimeout(() => t.remove(), 2000);
  }

  private hideBanner(): void {
    this.banner.hidden = true;
    this.banner.replaceChildren();
  }

  private error(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.banner.replaceChildren(h("strong", {}, "Error "), message, h("button", { type: "button", class: "link", onclick: () => this.hideBanner() }, "dismiss"));
    this.banner.hidden = false;
    document.body.dataset.ready = "1";
  }

  private navNote(text: string): void {
    this.nav.replaceChildren(h("p", { class: "muted pad", "data-role": "nav-note" }, text));
  }

  /** The server has API_TOKEN set: ask for it once and keep it in this browser. */
  private askToken(message: string): void {
    const input = h("input", { type: "password", placeholder: "API token", autocomplete: "off", "aria-label": "API token" });
    const form = h(
      "form",
      { class: "token-form" },
      // The server's message is a sentence already: no second full stop after it.
      h("p", {}, `${message.replace(/[.\s]+$/, "")}. This server needs its API token.`),
      input,
      h("button", { type: "submit", class: "btn btn-primary" }, "Save"),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      setApiToken(input.value.trim() || null);
      location.reload();
    });
    this.banner.replaceChildren(form);
    this.banner.hidden = false;
    document.body.dataset.ready = "1";
  }
}
