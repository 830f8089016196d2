// Vite's `?raw` imports (a file's text), used by tests that compare or check files.
declare module "*?raw" {
  const text: string;
  export default text;
}
