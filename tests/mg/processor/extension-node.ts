/**
 * A Ratchet node in its own process on an SQLite file, running the extension tests' namespace: it starts one
 * machine, says `started <id>` once the init step has committed, and runs until it is killed. The crash test kills
 * it with SIGKILL between that machine's steps.
 */
import { parseArgs } from "node:util";
import { encodeValue } from "../../../src/mg/msgpack/msgpack-value.js";
import { createNode } from "../../../src/runtime/create-node.js";
import { EXTENSION_NS, extensionNamespace } from "./extension-namespace.js";

const { values } = parseArgs({
  options: {
    db: { type: "string" },
    "default-url": { type: "string" },
    "capture-url": { type: "string" },
    id: { type: "string" },
  },
});
const id = values.id as string;
const node = await createNode({
  storage: { kind: "sqlite", path: values.db as string },
  // The start leaves the machine's lease warm, so a node killed right after it holds the machine for one lease
  // (NFR-7): a lease shorter than the machine's 3 s timer lets the other node run the timer when it falls due.
  leaseDurationMs: 2000,
  namespaces: () => [
    extensionNamespace({
      defaultUrl: values["default-url"] as string,
      captureUrl: values["capture-url"] as string,
    }),
  ],
});
await node.engine.start(EXTENSION_NS, id, encodeValue({ str: "go" }));
console.log(`started ${id}`);
