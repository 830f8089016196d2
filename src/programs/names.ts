// Which names a program may take: each is a URL segment (`POST /{name}`), so it must be one and must not
// shadow a route or asset of the Worker. Shared by defineProgram and the scaffold command.

export const PROGRAM_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

/** Names the Worker routes itself (or serves as assets), so no program may take them. */
export const RESERVED_PROGRAM_NAMES: ReadonlySet<string> = new Set([
  "api", "mcp", "health", "openapi.json", "runs", "index.html", "app.js", "app.css", "favicon.ico", "static", "assets",
]);

/** Why `name` cannot name a program, or null when it can. */
export function programNameProblem(name: string): string | null {
  if (!PROGRAM_NAME_PATTERN.test(name)) {
    return `Program name "${name}" must match [a-z][a-z0-9_-]* (at most 64 characters): it is the URL segment of POST /{name}`;
  }
  if (RESERVED_PROGRAM_NAMES.has(name)) {
    return `Program name "${name}" is taken by the Worker itself (reserved: ${[...RESERVED_PROGRAM_NAMES].join(", ")})`;
  }
  return null;
}
