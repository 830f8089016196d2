// The page's URL: `/` (optionally `?program=name`), and run permalinks `/runs/{id}`
// (also accepted as `/?run=id`, for hosts that only serve `/`).
export type Route = { run: string } | { compare: [string, string] } | { program: string | null };

export function currentRoute(): Route {
  const path = location.pathname.match(/^\/runs\/([^/?#]+)\/?$/);
  if (path) return { run: decodeURIComponent(path[1]) };
  const params = new URLSearchParams(location.search);
  const run = params.get("run");
  if (run) return { run };
  const compare = params.get("compare")?.split(",");
  if (compare?.length === 2 && compare[0] && compare[1]) return { compare: [compare[0], compare[1]] };
  return { program: params.get("program") };
}

export function goToRun(runId: string, replace = false): void {
  const url = `/runs/${encodeURIComponent(runId)}`;
  if (location.pathname === url) return;
  history[replace ? "replaceState" : "pushState"]({ run: runId }, "", url);
}

export function goToProgram(program: string, replace = false): void {
  const url = `/?program=${encodeURIComponent(program)}`;
  if (location.pathname + location.search === url) return;
  history[replace ? "replaceState" : "pushState"]({ program }, "", url);
}

export function goToCompare(a: string, b: string): void {
  history.pushState({ compare: [a, b] }, "", `/?compare=${encodeURIComponent(a)},${encodeURIComponent(b)}`);
}
