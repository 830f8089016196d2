// Terminal text: lines built from styled pieces so they can be cut to the terminal's width before the
// colour codes go in (a line that wraps would break the live redraw's line count).

import { preview } from "../ui/format";

export type Style = "dim" | "bold" | "red" | "green" | "yellow" | "cyan" | "magenta" | "blue";
export type Piece = string | [string, Style];
export type Line = Piece[];

const CODES: Record<Style, [number, number]> = {
  dim: [2, 22],
  bold: [1, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
};

/** Colours when asked for: a terminal, and NO_COLOR unset (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== "0") return true;
  return Boolean(stream.isTTY);
}

/** Controls and tabs out, so one piece is one row of cells. */
export function clean(text: string): string {
  return text.replace(/\t/g, "  ").replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
}

/** The line as text, at most `width` characters (cut with …), coloured when `color`. */
export function render(line: Line, color: boolean, width = Infinity): string {
  let room = width;
  let out = "";
  for (const piece of line) {
    const [raw, style] = typeof piece === "string" ? [piece, undefined] : piece;
    let text = clean(raw);
    if (room <= 0) break;
    if (text.length > room) text = room > 1 ? text.slice(0, room - 1) + "…" : "…";
    room -= text.length;
    out += color && style ? `\x1b[${CODES[style][0]}m${text}\x1b[${CODES[style][1]}m` : text;
  }
  return out;
}

export function duration(ms: number | null): string {
  if (ms === null) return "";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** A value on one line: strings as they are, the rest as JSON; cut at `max` characters. */
export function oneLine(value: unknown, max = 120): string {
  return preview(value, max);
}

/** `{"expression": "2+2"}` → `expression="2+2"`: tool arguments as a call reads. */
export function callArgs(args: Record<string, unknown> | null, max = 80): string {
  if (!args) return "";
  return oneLine(
    Object.entries(args)
      .map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : oneLine(v, max)}`)
      .join(", "),
    max,
  );
}
