/**
 * The chain workload's measuring frame, shared by every peer: CHAINS chains each doing sequential steps (one
 * 64-byte payload per step), a warm-up, then the steps counted over a fixed window. A peer script prints JSON lines
 * `{"event": "window-start", "pids"}` and `{"event": "window-end", "system", "stepsPerSecond", "steps",
 * "seconds", "cpuUsPerStep"}` (CPU of its own Node process), waits for `stop` on stdin, and exits.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";

export const CHAINS = 100;
export const WARMUP_MS = 2000;

export function peerArgs() {
  const { values } = parseArgs({
    options: { url: { type: "string" }, seconds: { type: "string", default: "10" } },
  });
  return { url: values.url, seconds: Number(values.seconds) };
}

/** 64 random bytes as hex: the step's payload, as Ratchet's chain appends a 64-byte event. */
export function payload() {
  return randomBytes(64).toString("hex");
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits the warm-up, counts `counter.steps` over `seconds`, prints the result line, and returns once the runner
 * says `stop` on stdin (it reads the database's CPU between the two, while the peer's connections still live).
 * `counter` is the peer's own count of finished steps; `pids` are processes of the peer besides this one (a
 * server it started), whose CPU counts as the peer's.
 */
export async function measureWindow(system, counter, seconds, pids = []) {
  await sleep(WARMUP_MS);
  console.log(JSON.stringify({ event: "window-start", pids }));
  const stepsBefore = counter.steps;
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  await sleep(seconds * 1000);
  const steps = counter.steps - stepsBefore;
  const elapsed = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const result = {
    system,
    steps,
    seconds: elapsed,
    stepsPerSecond: steps / elapsed,
    cpuUsPerStep: (cpu.user + cpu.system) / steps,
  };
  console.log(JSON.stringify({ event: "window-end", ...result }));
  await stopRequested();
  return result;
}

function stopRequested() {
  return new Promise((resolve) => {
    let input = "";
    process.stdin.on("data", (chunk) => {
      input += chunk.toString();
      if (input.includes("stop")) resolve();
    });
    process.stdin.once("end", resolve);
  });
}
