// Bundles the browser code (src/ui) into static/, where Workers assets serve it.
import { build } from "esbuild";

await build({
  entryPoints: ["src/ui/main.ts"],
  bundle: true,
  format: "esm",
  target: "es2022",
  outfile: "static/app.js",
  sourcemap: true,
  minify: false,
  logLevel: "warning",
});
