/**
 * DBOS Transact 4.24: CHAINS workflows, each looping over `DBOS.runStep` (each step's output, a 64-byte payload,
 * checkpointed in the system database on PostgreSQL before the next step starts).
 */
import { DBOS } from "@dbos-inc/dbos-sdk";
import { CHAINS, measureWindow, payload, peerArgs } from "./chain-window.mjs";

const { url, seconds } = peerArgs();
const counter = { steps: 0 };
let running = true;

const chain = DBOS.registerWorkflow(
  async (_index) => {
    while (running) {
      await DBOS.runStep(async () => payload(), { name: "step" });
      counter.steps += 1;
    }
  },
  { name: "chain" },
);

DBOS.setConfig({ name: "ratchet-bench-peers", systemDatabaseUrl: url, runAdminServer: false, logLevel: "error" });
await DBOS.launch();
for (let index = 0; index < CHAINS; index += 1) await DBOS.startWorkflow(chain)(index);
await measureWindow("DBOS Transact 4.24 (runStep)", counter, seconds);
running = false;
await DBOS.shutdown();
process.exit(0);
