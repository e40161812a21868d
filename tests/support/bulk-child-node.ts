/**
 * A bulk node in a process of its own (tests/support/bulk-node.ts), for tests that kill it with SIGKILL mid-run:
 * `node bulk-child-node.js '<storage choice as JSON>'`; prints `ready` once it serves.
 */
import type { StorageChoice } from "../../src/runtime/create-node.js";
import { startBulkNode } from "./bulk-node.js";

const choice = JSON.parse(process.argv[2] ?? "null") as StorageChoice;
const node = await startBulkNode(choice);
process.stdout.write(`ready ${node.baseUrl}\n`);
process.on("SIGTERM", () => {
  void node.close().then(() => process.exit(0));
});
