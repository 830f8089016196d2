// Bundles the browser code (src/ui) into static/, where Workers assets serve it.
// Run by `npm run build:ui`, by wrangler's [build] step (dev and deploy) and by the browser tests.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

// zod re-exports every error-message locale as a namespace, which defeats tree shaking
// (~260 kB). The page only validates events (messages go to the console), so English will do.
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${"node_modules"}/zod/`) ? { path: "zod-locales", namespace: "zod-locales" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, () => ({
      contents: `export { default as en } from ${JSON.stringify(`${root}node_modules/zod/v4/locales/en.js`)};`,
      resolveDir: root,
    }));
  },
};

await build({
  absWorkingDir: root,
  entryPoints: ["src/ui/main.ts"],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022", "chrome110", "firefox115", "safari16"],
  outfile: "static/app.js",
  sourcemap: "linked",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  plugins: [zodEnglishOnly],
});
