/**
 * Proves that the SDK loads no native module: a child process imports `dist/src/sdk/index.js` alone and reports
 * every native addon it opened (process.dlopen, wrapped before the import) and every CommonJS module it loaded
 * (the require cache, where better-sqlite3 and pg land even when imported from ESM). The same probe on the package
 * root with an SQLite node open, and on the PostgreSQL storage, shows the drivers and the addon, so the probe sees
 * what it looks for. RatchetClient, imported the same way, reads a real node's namespaces over HTTP and loads no
 * driver either.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startApiNode } from "../support/api-node.js";

const DIST = fileURLToPath(new URL("../../", import.meta.url));

const PROBE = `
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
const opened = [];
const dlopen = process.dlopen;
process.dlopen = function recordDlopen(module, filename, ...rest) {
  opened.push(filename);
  return dlopen.call(this, module, filename, ...rest);
};
const [target, mode, baseUrl] = process.argv.slice(1);
const loaded = await import(pathToFileURL(target).href);
if (mode === "open-sqlite") {
  const node = await loaded.createNode({ storage: { kind: "sqlite", path: ":memory:" }, namespaces: () => [] });
  await node.close();
}
let names;
if (mode === "client") {
  const client = new loaded.RatchetClient({ baseUrl });
  names = (await client.namespaces()).map((namespace) => namespace.name);
}
const cache = Object.keys(createRequire(join(process.cwd(), "probe.js")).cache);
console.log(JSON.stringify({ opened, cache, names }));
`;

function probe(target: string, ...extra: string[]): { opened: string[]; cache: string[] } {
  const output = execFileSync(process.execPath, ["--input-type=module", "-e", PROBE, target, ...extra], {
    encoding: "utf8",
  });
  return JSON.parse(output) as { opened: string[]; cache: string[] };
}

const DRIVER = /[\\/]node_modules[\\/](better-sqlite3|pg|pg-[a-z-]+|bindings)[\\/]/;

test("importing ratchet/sdk opens no native addon and loads neither better-sqlite3 nor pg", () => {
  const sdk = probe(`${DIST}src/sdk/index.js`);
  assert.deepEqual(sdk.opened, []);
  assert.deepEqual(
    sdk.cache.filter((path) => DRIVER.test(path)),
    [],
  );
});

test("the same probe sees the drivers and the SQLite addon behind the package root and PostgreSQL's storage", () => {
  const driversOf = (cache: readonly string[]) =>
    new Set(cache.map((path) => DRIVER.exec(path)?.[1]).filter((name) => name !== undefined));
  const root = probe(`${DIST}src/index.js`, "open-sqlite");
  assert.ok(
    root.opened.some((path) => path.endsWith("better_sqlite3.node")),
    JSON.stringify(root.opened),
  );
  assert.ok(driversOf(root.cache).has("better-sqlite3"));
  const postgres = probe(`${DIST}src/storage/postgres/postgres-storage.js`);
  assert.ok(driversOf(postgres.cache).has("pg"), [...driversOf(postgres.cache)].join(", "));
});

test("RatchetClient from ratchet/sdk reads a node's namespaces over HTTP, loading neither better-sqlite3 nor pg", async () => {
  const api = await startApiNode();
  try {
    // Asynchronously: the node answering the probe's request runs in this process.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", PROBE, `${DIST}src/sdk/index.js`, "client", api.baseUrl],
      { encoding: "utf8" },
    );
    const client = JSON.parse(stdout) as { opened: string[]; cache: string[]; names: string[] };
    assert.deepEqual(client.names, ["payments", "slow", "pay"]);
    assert.deepEqual(client.opened, []);
    assert.deepEqual(
      client.cache.filter((path) => DRIVER.test(path)),
      [],
    );
  } finally {
    await api.close();
  }
});
