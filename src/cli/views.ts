// Two ways to show a run as it happens. On a terminal, LiveView redraws the tree in place (open calls
// tick, LM text streams under its call) and leaves the whole tree behind when the run ends. Anywhere
// else (a pipe, a CI log), LogView prints one line per finished step, indented by depth, never redrawn.
import type { Arrival } from "./follow";
import { oneLine, render, type Line, type Piece } from "./text";
import { isShown, type CallNode, type RunTree } from "./tree";
import { callLine, readable, textTail } from "./tree-lines";

export interface View {
  event(arrival: Arrival, node: CallNode | null): void;
  reconnecting(message: string): void;
  /** The run is over (or the client stops): leave the final picture on the screen. */
  finish(): void;
}

/** The tree as lines with guides (├─ └─ │). Live: open LM calls show the tail of their text. */
export function treeLines(tree: RunTree, now: number, live: boolean): Line[] {
  const out: Line[] = [];
  const walk = (nodes: CallNode[], prefix: string, top: boolean) => {
    const shown = nodes.filter(isShown);
    shown.forEach((node, i) => {
      const last = i === shown.length - 1;
      out.push([[prefix + (top ? "" : last ? "└─ " : "├─ "), "dim"], ...callLine(node, now)]);
      const inner = top ? prefix : prefix + (last ? "   " : "│  ");
      const textPrefix: Piece = [inner + (node.children.some(isShown) ? "│    " : "     "), "dim"];
      // Retries came before the text that finally streamed.
      for (const note of node.notes) out.push([textPrefix, ["↻ " + note, "yellow"]]);
      if (node.kind === "lm" && node.text) {
        if (live && !node.ended) for (const line of textTail(node.text, 3)) out.push([textPrefix, line]);
        else if (!node.error) out.push([textPrefix, [oneLine(readable(node.text), 400), "dim"]]);
      }
      walk(node.children, inner, false);
    });
  };
  walk(tree.roots, "", true);
  return out;
}

const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";

export class LiveView implements View {
  private drawn = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly ticker: ReturnType<typeof setInterval>;
  private status: string | null = null;
  private finished = false;
  private readonly showCursor = () => this.out.write(SHOW_CURSOR);

  constructor(
    private readonly tree: RunTree,
    private readonly out: NodeJS.WriteStream,
    private readonly color: boolean,
  ) {
    this.out.write(HIDE_CURSOR);
    // However the process ends, the cursor comes back.
    process.once("exit", this.showCursor);
    // Open calls' durations tick even when no event arrives.
    this.ticker = setInterval(() => this.schedule(), 200);
  }

  event(): void {
    this.status = null;
    this.schedule();
  }

  reconnecting(message: string): void {
    this.status = message;
    this.schedule();
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.ticker);
    if (this.timer) clearTimeout(this.timer);
    const width = this.width();
    const lines = treeLines(this.tree, Date.now(), false).map((l) => render(l, this.color, width));
    this.out.write(this.erase() + lines.map((l) => l + "\n").join("") + SHOW_CURSOR);
    process.off("exit", this.showCursor);
    this.drawn = 0;
  }

  private width(): number {
    return Math.max(20, (this.out.columns || 100) - 1);
  }

  /** Redraws at most every 40 ms: tokens can arrive far faster than a terminal repaints. */
  private schedule(): void {
    if (this.timer || this.finished) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.draw();
    }, 40);
  }

  private erase(): string {
    return this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : "";
  }

  private draw(): void {
    const width = this.width();
    // Never taller than the screen: cursor-up cannot reach lines that scrolled away.
    const room = Math.max(3, (this.out.rows || 24) - 2);
    let lines = treeLines(this.tree, Date.now(), true);
    if (this.status) lines.push([["⟳ " + this.status, "yellow"]]);
    if (lines.length > room) {
      const hidden = lines.length - room + 1;
      lines = [[[`… ${hidden} more line${hidden === 1 ? "" : "s"} above (the whole tree is printed at the end)`, "dim"]], ...lines.slice(hidden)];
    }
    const text = lines.map((l) => render(l, this.color, width) + "\n").join("");
    this.out.write(this.erase() + text);
    this.drawn = lines.length;
  }
}

export class LogView implements View {
  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly err: NodeJS.WriteStream,
    private readonly color: boolean,
  ) {}

  event(arrival: Arrival, node: CallNode | null): void {
    if (!node) return;
    const indent = "  ".repeat(node.depth);
    const type = arrival.type;
    let line: Line | null = null;
    if (type === "module_start") line = [["▸ ", "dim"], [node.name, "bold"], ["  " + node.detail, "dim"], ...(node.step !== null ? [["  step " + node.step + (node.stepOf !== null ? `/${node.stepOf}` : ""), "cyan"] as Piece] : [])];
    else if (type.endsWith("_end") && isShown(node)) line = callLine(node, Date.now());
    else if (!arrival.event || type === "lm_retry") line = [["↻ " + node.notes[node.notes.length - 1], "yellow"]];
    if (!line) return;
    this.write([indent, ...line]);
    if (type === "lm_end" && node.text && !node.error) {
      for (const text of readable(node.text).split("\n")) if (text.trim()) this.write([[indent + "    │ ", "dim"], [text, "dim"]]);
    }
  }

  reconnecting(message: string): void {
    this.err.write(`⟳ ${message}\n`);
  }

  finish(): void {}

  private write(line: Line): void {
    this.out.write(render(line, this.color) + "\n");
  }
}
