// Preferences kept in localStorage; storage may be unavailable (private mode), so reads never throw.
const PREFIX = "dspy-edge:";

function read(key: string): string | null {
  try {
    return localStorage.getItem(PREFIX + key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(PREFIX + key);
    else localStorage.setItem(PREFIX + key, value);
  } catch {
    // Not persisted; the choice still holds for this page.
  }
}

/** The user's streaming choice for a program, or null when they never chose. */
export function streamingChoice(program: string): boolean | null {
  const v = read(`streaming:${program}`);
  return v === null ? null : v === "1";
}
export function setStreamingChoice(program: string, on: boolean): void {
  write(`streaming:${program}`, on ? "1" : "0");
}

export type Theme = "light" | "dark" | "system";
export function theme(): Theme {
  const v = read("theme");
  return v === "light" || v === "dark" ? v : "system";
}
export function setTheme(t: Theme): void {
  write("theme", t === "system" ? null : t);
}

/** Bearer token for servers with API_TOKEN set. */
export function apiToken(): string | null {
  return read("token");
}
export function setApiToken(token: string | null): void {
  write("token", token);
}

export function lastProgram(): string | null {
  return read("program");
}
export function setLastProgram(name: string): void {
  write("program", name);
}

/** Last inputs typed per program, so switching programs or reloading keeps them. */
export function draftInputs(program: string): Record<string, string> | null {
  const v = read(`draft:${program}`);
  if (!v) return null;
  try {
    return JSON.parse(v) as Record<string, string>;
  } catch {
    return null;
  }
}
export function setDraftInputs(program: string, values: Record<string, string>): void {
  write(`draft:${program}`, JSON.stringify(values));
}
