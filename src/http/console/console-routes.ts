/**
 * The web console at `/console`: the page and its assets, built from `ui/` into `dist/console/` by
 * `npm run build` (scripts/build-console.ts) and shipped in the package. It is a static single page that reads
 * the JSON API of the same origin; its pages are addressed after `#` (`/console#/machines/payments/pay-1`), so
 * the server answers `/console` and the few asset files only. Everything it loads comes from this node: the
 * Content-Security-Policy allows no other origin, so it works offline and no CDN can be slipped in.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Context } from "hono";
import type { NodeApp } from "../routes.js";

export const CONSOLE_PATH = "/console";

/** Where `npm run build` writes the console: dist/console/, beside dist/src/ (this file is dist/src/http/console/). */
export const CONSOLE_ASSETS_DIRECTORY = fileURLToPath(new URL("../../../console/", import.meta.url));

/** The asset files the build writes, with their content types; nothing else is served. */
const ASSETS: Readonly<Record<string, string>> = {
  "index.html": "text/html; charset=utf-8",
  "console.js": "text/javascript; charset=utf-8",
  "console.css": "text/css; charset=utf-8",
  "favicon.svg": "image/svg+xml",
};

/** Same-origin only: the page, its script and style, and the JSON API; no inline script, no other origin. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export interface ConsoleOptions {
  /** The built assets; dist/console/ when absent (tests may point at another build). */
  readonly assetsDirectory?: string;
}

interface Asset {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly etag: string;
}

/** Adds the console to the node's routes: `createHttpServer({ mount })`, beside the JSON API. */
export function mountConsole(options: ConsoleOptions = {}): (app: NodeApp) => void {
  const directory = options.assetsDirectory ?? CONSOLE_ASSETS_DIRECTORY;
  // Read once and kept: four small files (the script is about 60 KiB minified) that only a build changes.
  const assets = new Map<string, Promise<Asset | null>>();
  const assetOf = (name: string) => {
    let asset = assets.get(name);
    if (asset === undefined) {
      asset = readAsset(directory, name);
      assets.set(name, asset);
    }
    return asset;
  };
  return function mountConsoleRoutes(app) {
    app.get(CONSOLE_PATH, (context) => serveAsset(context, assetOf, "index.html"));
    // The page's relative asset URLs assume `/console`; a trailing slash would resolve them under /console/console/.
    app.get(`${CONSOLE_PATH}/`, (context) => context.redirect(CONSOLE_PATH, 308));
    app.get(`${CONSOLE_PATH}/:asset`, (context) => {
      const name = context.req.param("asset");
      if (name === "index.html" || ASSETS[name] === undefined) return context.text("not found\n", 404);
      return serveAsset(context, assetOf, name);
    });
  };
}

async function readAsset(directory: string, name: string): Promise<Asset | null> {
  try {
    const body = new Uint8Array(await readFile(`${directory}${name}`));
    return { body, etag: `"${body.byteLength.toString(36)}-${checksumOf(body)}"` };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

async function serveAsset(
  context: Context,
  assetOf: (name: string) => Promise<Asset | null>,
  name: string,
): Promise<Response> {
  const asset = await assetOf(name);
  if (asset === null) {
    return context.text(`the console is not built: run npm run build (missing ${name})\n`, 503);
  }
  const headers: Record<string, string> = {
    "content-type": ASSETS[name] ?? "application/octet-stream",
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    // Revalidated each time (a 304 costs a round trip, not the body): a new build is seen at the next load.
    "cache-control": "no-cache",
    etag: asset.etag,
  };
  if (context.req.header("if-none-match") === asset.etag) return context.body(null, 304, headers);
  return context.body(asset.body, 200, headers);
}

/** FNV-1a over the bytes: an ETag only has to change when the file does. */
function checksumOf(bytes: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash.toString(36);
}
