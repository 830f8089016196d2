// The browser suite's Chromium lookup: a variable, Debian's path, then the usual names on PATH; with none,
// one message that says what to install or set (instead of a launch stack trace).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findChromium, NoChromiumError } from "../browser/chromium";

const dir = mkdtempSync(join(tmpdir(), "dspy-edge-chromium-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, executable: boolean): string {
  const path = join(dir, name);
  writeFileSync(path, "#!/bin/sh\n");
  chmodSync(path, executable ? 0o755 : 0o644);
  return path;
}

const nowhere = join(dir, "no-such-chromium");

describe("findChromium", () => {
  it("takes CHROMIUM_PATH first, and says so when it is not a program", () => {
    const chrome = file("my-chrome", true);
    expect(findChromium({ CHROMIUM_PATH: chrome, PATH: "" }, nowhere)).toBe(chrome);
    const text = file("notes.txt", false);
    expect(() => findChromium({ CHROMIUM_PATH: text, PATH: "" }, nowhere)).toThrow(
      `CHROMIUM_PATH=${text} is not an executable file. Point it at a Chromium or Chrome binary, or unset it.`,
    );
  });

  it("then Debian's path, then chromium, chromium-browser, google-chrome on PATH", () => {
    const debian = file("debian-chromium", true);
    expect(findChromium({ PATH: "" }, debian)).toBe(debian);
    const bin = mkdtempSync(join(dir, "bin-"));
    writeFileSync(join(bin, "google-chrome"), "");
    chmodSync(join(bin, "google-chrome"), 0o755);
    writeFileSync(join(bin, "chromium-browser"), "");
    chmodSync(join(bin, "chromium-browser"), 0o755);
    expect(findChromium({ PATH: `${nowhere}:${bin}` }, nowhere)).toBe(join(bin, "chromium-browser"));
  });

  it("with none, says what to install and which variable to set", () => {
    let error: unknown;
    try {
      findChromium({ PATH: dir }, nowhere);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NoChromiumError);
    expect((error as Error).message).toBe(
      [
        "The browser tests need Chromium, and none was found.",
        `  Looked for: $CHROMIUM_PATH, ${nowhere}, and chromium, chromium-browser, google-chrome, google-chrome-stable on PATH.`,
        "  Install it: sudo apt-get install chromium     (Debian/Ubuntu; other systems: your package manager's chromium)",
        "  Or point at one: CHROMIUM_PATH=/path/to/chrome npm test",
      ].join("\n"),
    );
  });
});
