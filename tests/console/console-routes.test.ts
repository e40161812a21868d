/**
 * The console's server side: `/console` serves the built page (dist/console/, made by `npm run build`) with a
 * Content-Security-Policy that allows this origin only, its assets with their types and ETags, nothing else under
 * /console, and says how to build it when it is not built. `ratchet serve` (in-process, from a YAML file) and
 * `ratchet dev` serve it beside the JSON API; the page and script name no other origin; the package ships it.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { runDev } from "../../src/cli/dev.js";
import { startServing } from "../../src/cli/serve.js";
import { CONSOLE_ASSETS_DIRECTORY, mountConsole } from "../../src/http/console/console-routes.js";
import type { NodeApp } from "../../src/http/routes.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function consoleApp(assetsDirectory?: string): NodeApp {
  const app: NodeApp = new Hono();
  mountConsole(assetsDirectory === undefined ? {} : { assetsDirectory })(app);
  return app;
}

test("GET /console serves the page and its assets with a same-origin Content-Security-Policy and ETags", async () => {
  const app = consoleApp();
  const page = await app.request("/console");
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  const policy = page.headers.get("content-security-policy") ?? "";
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /script-src 'self'(;|$)/);
  assert.match(policy, /connect-src 'self'(;|$)/);
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  const html = await page.text();
  assert.match(html, /<script type="module" src="console\/console.js"><\/script>/);
  for (const [asset, type] of [
    ["console.js", "text/javascript; charset=utf-8"],
    ["console.css", "text/css; charset=utf-8"],
    ["favicon.svg", "image/svg+xml"],
  ] as const) {
    const answer = await app.request(`/console/${asset}`);
    assert.equal(answer.status, 200, asset);
    assert.equal(answer.headers.get("content-type"), type);
    const etag = answer.headers.get("etag") ?? "";
    assert.notEqual(etag, "");
    const again = await app.request(`/console/${asset}`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
  }
});

test("/console/ redirects to /console; other paths under /console are 404; an unbuilt console says to build it", async () => {
  const app = consoleApp();
  const slash = await app.request("/console/");
  assert.equal(slash.status, 308);
  assert.equal(slash.headers.get("location"), "/console");
  for (const path of ["/console/index.html", "/console/app.map", "/console/../package.json", "/console/x/y"])
    assert.equal((await app.request(path)).status, 404, path);
  const empty = mkdtempSync(join(tmpdir(), "ratchet-console-unbuilt-"));
  try {
    const unbuilt = await consoleApp(`${empty}/`).request("/console");
    assert.equal(unbuilt.status, 503);
    assert.match(await unbuilt.text(), /npm run build/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test("the built page and script load nothing from another origin (no CDN): no external URL in them", () => {
  const html = readFileSync(join(CONSOLE_ASSETS_DIRECTORY, "index.html"), "utf8");
  const script = readFileSync(join(CONSOLE_ASSETS_DIRECTORY, "console.js"), "utf8");
  const css = readFileSync(join(CONSOLE_ASSETS_DIRECTORY, "console.css"), "utf8");
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);
  assert.doesNotMatch(css, /url\(|@import/);
  // The one absolute URL the script may hold is SVG's namespace name, which is never fetched.
  const urls = [...script.matchAll(/https?:\/\/[^"'`\s)]+/g)].map((match) => match[0]);
  assert.deepEqual(
    [...new Set(urls)].filter((url) => !url.startsWith("http://www.w3.org/")),
    [],
  );
});

test("ratchet serve and ratchet dev serve the console at /console beside the JSON API", async () => {
  const directory = mkdtempSync(join(tmpdir(), "ratchet-console-serve-"));
  try {
    const configPath = join(directory, "ratchet.yaml");
    writeFileSync(
      configPath,
      `woody_server:\n  ip: 127.0.0.1\n  port: 0\nstorage:\n  type: memory\nnamespaces:\n  payments:\n    processor:\n      url: http://127.0.0.1:9/processor\n`,
    );
    const lines: string[] = [];
    const serving = await startServing({ configPath, write: (line) => lines.push(line), warn: () => {} });
    try {
      const base = `http://127.0.0.1:${serving.address.port}`;
      const page = await fetch(`${base}/console`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Ratchet console/);
      assert.equal((await fetch(`${base}/v1/namespaces`)).status, 200);
      assert.ok(
        lines.some((line) => line.includes("console at /console")),
        lines.join("\n"),
      );
    } finally {
      await serving.stop();
    }
    const written: string[] = [];
    const dev = await runDev({
      databasePath: join(directory, "dev.db"),
      once: true,
      port: 0,
      write: (line) => written.push(line),
    });
    try {
      const base = /console at (http:\/\/127\.0\.0\.1:\d+)\/console/.exec(written[0] ?? "")?.[1];
      assert.ok(base !== undefined, written[0]);
      const page = await fetch(`${base}/console`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    } finally {
      await dev.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("the package ships the built console (dist/console in npm pack's file list)", () => {
  const listing = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const files =
    (JSON.parse(listing) as { files: { path: string }[] }[])[0]?.files.map((file) => file.path) ?? [];
  for (const asset of ["index.html", "console.js", "console.css", "favicon.svg"])
    assert.ok(files.includes(`dist/console/${asset}`), `dist/console/${asset} is packed`);
  assert.ok(!files.some((file) => file.startsWith("ui/")), "the sources are not packed");
});
