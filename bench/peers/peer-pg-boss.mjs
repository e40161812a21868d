/**
 * pg-boss 10: CHAINS chains of jobs; a worker fetches up to CHAINS jobs at a time and inserts each chain's next job
 * (a 64-byte payload) before its batch completes. pg-boss polls (every 0.5 s at most when the queue is empty).
 */
import PgBoss from "pg-boss";
import { CHAINS, measureWindow, payload, peerArgs } from "./chain-window.mjs";

const { url, seconds } = peerArgs();
const counter = { steps: 0 };
let running = true;

const boss = new PgBoss({ connectionString: url, max: 16, schedule: false, supervise: false });
boss.on("error", (error) => console.error(`pg-boss error: ${error.message}`));
await boss.start();
await boss.createQueue("step");
await boss.work("step", { batchSize: CHAINS, pollingIntervalSeconds: 0.5 }, async (jobs) => {
  if (running) await boss.insert(jobs.map((job) => ({ name: "step", data: { chain: job.data.chain, data: payload() } })));
  counter.steps += jobs.length;
});
await boss.insert(Array.from({ length: CHAINS }, (_, index) => ({ name: "step", data: { chain: index, data: payload() } })));
await measureWindow("pg-boss 10.4 (job inserts next job)", counter, seconds);
running = false;
await boss.stop({ graceful: false, wait: true });
process.exit(0);
