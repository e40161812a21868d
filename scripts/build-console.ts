/**
 * Builds the web console (`ui/`) into `dist/console/`, which `ratchet serve` and `ratchet dev` serve at
 * `/console` (src/http/console/console-routes.ts): one esbuild bundle of the Preact app (TypeScript and JSX,
 * minified, no source map shipped), its style sheet, page and icon. Part of `npm run build`; it takes well under a
 * second. The type check of `ui/` is `tsc -p ui/tsconfig.json`, run by the build before this.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OUT = `${ROOT}dist/console/`;

/** Browsers the console supports: those of the last few years (ES2022: class fields, top-level await, `at`). */
const TARGET = ["es2022", "chrome100", "firefox100", "safari16"];

async function buildConsole(): Promise<void> {
  const started = performance.now();
  mkdirSync(OUT, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ["ui/main.tsx"],
    outfile: `${OUT}console.js`,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: TARGET,
    minify: true,
    jsx: "automatic",
    jsxImportSource: "preact",
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  for (const file of ["index.html", "console.css", "favicon.svg"])
    copyFileSync(`${ROOT}ui/${file}`, `${OUT}${file}`);
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  const ms = Math.round(performance.now() - started);
  console.log(`console built into dist/console/: ${Math.round(bytes / 1024)} KiB of script in ${ms} ms`);
}

await buildConsole();
