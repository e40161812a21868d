/**
 * The woody bench processor in a process of its own (ProcessCall appends one 64-byte event and echoes its
 * argument), as production runs a processor beside Ratchet. Prints `listening <port>`; SIGTERM stops it.
 */
import { benchProcessor, listenLocal } from "../woody-call.js";

const server = await listenLocal(benchProcessor(() => Date.now() * 1000));
console.log(`listening ${server.port}`);
process.once("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
