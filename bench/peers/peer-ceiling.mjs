/**
 * The raw-SQL ceilings of `npm run bench` (the project's built bench/ceiling-postgres.js) at 32 connections:
 * `--mode transaction` (UPDATE + INSERT in one transaction per step) or `--mode round-trip` (one statement).
 */
import { parseArgs } from "node:util";
import { postgresCeiling } from "../../dist/bench/ceiling-postgres.js";
import { measureWindow } from "./chain-window.mjs";

const { values } = parseArgs({
  options: { url: { type: "string" }, seconds: { type: "string", default: "10" }, mode: { type: "string" } },
});
const counter = { steps: 0 };
// The ceiling counts its own steps; it runs for warm-up + window, and the window is read from its progress.
const running = postgresCeiling({
  url: values.url,
  seconds: Number(values.seconds) + 3,
  concurrency: 32,
  mode: values.mode,
  onStep: () => {
    counter.steps += 1;
  },
});
const label = values.mode === "transaction" ? "one transaction per step" : "one round trip per step (CTE)";
await measureWindow(`raw SQL, ${label}, 32 connections`, counter, Number(values.seconds));
await running;
process.exit(0);
