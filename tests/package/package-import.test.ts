/**
 * The package as a user installs it: `npm pack` makes the tarball, which is unpacked into the node_modules of a
 * separate package (placed under this repository's dist/, so its dependencies resolve from the repository's own
 * node_modules instead of being downloaded and built again). A module of that package imports "ratchet" by name,
 * runs a node on the embedded store with a local processor, and a deep import outside the `exports` map is refused.
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
    const output = execFileSync(process.execPath, ["main.js"], { cwd: consumer, encoding: "utf8" });
    assert.deepEqual(JSON.parse(output), {
      events: 1,
      missing: "machine_not_found",
      deep: "ERR_PACKAGE_PATH_NOT_EXPORTED",
    });
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
});
