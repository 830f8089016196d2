// Vite's `?raw` imports (a file's text), used by tests that compare files byte for byte.
declare module "*?raw" {
  const text: string;
  export default text;
}
