// Which Chromium the browser tests drive: CHROMIUM_PATH, else Debian's /usr/bin/chromium, else the first of
// the usual names on PATH. Never a downloaded browser. When there is none, the error says what to install.
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

export const CHROMIUM_ENV = "CHROMIUM_PATH";
const DEBIAN_PATH = "/usr/bin/chromium";
const NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export class NoChromiumError extends Error {
  override readonly name = "NoChromiumError";
}

/** The browser's path, or a NoChromiumError that tells what to install or set. */
export function findChromium(env: Record<string, string | undefined> = process.env, debianPath = DEBIAN_PATH): string {
  const chosen = env[CHROMIUM_ENV];
  if (chosen) {
    if (executable(chosen)) return chosen;
    throw new NoChromiumError(`${CHROMIUM_ENV}=${chosen} is not an executable file. Point it at a Chromium or Chrome binary, or unset it.`);
  }
  if (executable(debianPath)) return debianPath;
  const dirs = (env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const name of NAMES) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (executable(path)) return path;
    }
  }
  throw new NoChromiumError(
    [
      "The browser tests need Chromium, and none was found.",
      `  Looked for: $${CHROMIUM_ENV}, ${debianPath}, and ${NAMES.join(", ")} on PATH.`,
      "  Install it: sudo apt-get install chromium     (Debian/Ubuntu; other systems: your package manager's chromium)",
      `  Or point at one: ${CHROMIUM_ENV}=/path/to/chrome npm test`,
    ].join("\n"),
  );
}
