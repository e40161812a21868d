/**
 * graphile-worker 0.17: CHAINS chains of jobs, each job's task adding the chain's next job (a 64-byte payload);
 * 32 concurrent tasks, LISTEN/NOTIFY wake-ups.
 */
import { run } from "graphile-worker";
import { CHAINS, measureWindow, payload, peerArgs } from "./chain-window.mjs";

const { url, seconds } = peerArgs();
const counter = { steps: 0 };
let running = true;

const runner = await run({
  connectionString: url,
  concurrency: 32,
  maxPoolSize: 33,
  noHandleSignals: true,
  pollInterval: 1000,
  taskList: {
    step: async (job, helpers) => {
      counter.steps += 1;
      if (running) await helpers.addJob("step", { chain: job.chain, data: payload() });
    },
  },
});
for (let index = 0; index < CHAINS; index += 1) await runner.addJob("step", { chain: index, data: payload() });
await measureWindow("graphile-worker 0.17.3 (job adds next job)", counter, seconds);
running = false;
await runner.stop();
process.exit(0);
