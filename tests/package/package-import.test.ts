/**
 * The package as a user installs it: `npm pack` makes the tarball, which is unpacked into the node_modules of a
 * separate package (placed under this repository's dist/, so its dependencies resolve from the repository's own
 * node_modules instead of being downloaded and built again). A module of that package imports "ratchet" by name,
 * runs a node on the embedded store with a local processor, and a deep import outside the `exports` map is refused.
 * Another imports "ratchet/sdk" alone: it defines a processor, serves it over HTTP-JSON and calls it, having loaded
 * neither SQLite nor PostgreSQL's driver; the root re-exports the same SDK, RatchetClient included.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

test("the packed package is imported by name from a separate package and runs a node", () => {
  const workspace = mkdtempSync(join(ROOT, "dist", "package-test-"));
  try {
    const tarball = execFileSync(
      "npm",
      ["pack", "--ignore-scripts", "--silent", "--pack-destination", workspace],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    ).trim();
    const consumer = join(workspace, "consumer");
    const installed = join(consumer, "node_modules", "ratchet");
    mkdirSync(installed, { recursive: true });
    execFileSync("tar", ["-xzf", join(workspace, tarball), "-C", installed, "--strip-components=1"]);
    writeFileSync(
      join(consumer, "package.json"),
      JSON.stringify({ name: "consumer", type: "module", private: true }),
    );
    writeFileSync(
      join(consumer, "main.js"),
      `import { createNode, localProcessor, pack, unpack, MachineNotFoundError } from "ratchet";
const node = await createNode({
  storage: { kind: "sqlite", path: ":memory:" },
  namespaces: () => [{ name: "hello", processor: localProcessor({
    init: ({ args }) => ({ events: [{ data: args }] }),
    call: ({ machine }) => ({ response: pack(machine.history.length) }),
  }) }],
});
await node.engine.start("hello", "m", pack("world"));
const events = unpack(await node.engine.call("hello", "m", pack(null)));
let missing = "";
try { await node.engine.get("hello", "nobody"); } catch (error) { missing = error instanceof MachineNotFoundError ? error.code : String(error); }
await node.close();
let deep = "";
try { await import("ratchet/dist/src/engine/engine.js"); } catch (error) { deep = error.code; }
console.log(JSON.stringify({ events, missing, deep }));
`,
    );
    writeFileSync(join(consumer, "sdk.js"), SDK_CONSUMER);
    const output = execFileSync(process.execPath, ["main.js"], { cwd: consumer, encoding: "utf8" });
    assert.deepEqual(JSON.parse(output), {
      events: 1,
      missing: "machine_not_found",
      deep: "ERR_PACKAGE_PATH_NOT_EXPORTED",
    });
    const sdk = execFileSync(process.execPath, ["sdk.js"], { cwd: consumer, encoding: "utf8" });
    assert.deepEqual(JSON.parse(sdk), {
      status: 200,
      result: { events: [{ data: { greeted: "world" } }], response: "hello world" },
      drivers: [],
      sameAsRoot: true,
      client: "function",
    });
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
});

/** A processor service's module: only "ratchet/sdk", served and called over HTTP; then what it loaded. */
const SDK_CONSUMER = `import { createRequire } from "node:module";
import { defineProcessor, RatchetClient, serveProcessor } from "ratchet/sdk";
const greeter = defineProcessor({
  call: ({ args, result }) => result.append({ greeted: args }).respond("hello " + args),
});
const served = await serveProcessor(greeter, { port: 0 });
const request = {
  version: 1, kind: "call", namespace: "hello", machine_id: "m", args: "world", history: [],
  history_range: { direction: "forward" }, aux_state: { format_version: null, data: null }, timer: null,
  deadline: new Date(Date.now() + 5000).toISOString(), attempt: null, step_key: null, notification_id: null,
  context: {},
};
const answer = await fetch(served.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });
const result = await answer.json();
await served.close();
const cache = Object.keys(createRequire(import.meta.url).cache);
const drivers = cache.filter((path) => /node_modules[\\/](better-sqlite3|pg)[\\/]/.test(path));
const root = await import("ratchet");
const sameAsRoot = root.defineProcessor === defineProcessor && root.RatchetClient === RatchetClient;
console.log(JSON.stringify({ status: answer.status, result, drivers, sameAsRoot, client: typeof RatchetClient }));
`;
