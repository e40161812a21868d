/**
 * `npm run chaos [-- --minutes N] [--seed N] [--keep]`: the fault soak. Three `ratchet serve` nodes on the
 * soak's own PostgreSQL and nats-server run chain machines against a processor in its own process while a
 * seeded schedule of faults hits them; then the checker proves what must hold. It prints the seed (`--seed`
 * replays the same schedule), each fault as it is injected, its figures and one PASS or FAIL per check; its
 * last line is exactly `N passed, N failed`, and it exits 0 only when nothing failed. `--keep` leaves the
 * temporary folder (logs, configurations, data) in place.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { CheckResult } from "./checker.js";
import { freshSeed } from "./random.js";
import { checkLines, figureLines } from "./report.js";
import { Soak, SoakInterruptedError, type SoakSettings } from "./soak.js";

const USAGE = "usage: npm run chaos -- [--minutes N (default 2)] [--seed N] [--keep]";
const LEASE_DURATION_MS = 2000;
const MIB = 1024;

/** The settings of a run; only the length and the seed come from the command line. */
function settingsOf(minutes: number, seed: number): SoakSettings {
  return {
    seed,
    phaseMs: Math.round(minutes * 60_000),
    leaseDurationMs: LEASE_DURATION_MS,
    nodeCount: 3,
    workMs: 40,
    workload: { concurrency: 12, targetMin: 15, targetMax: 30, callIntervalMs: 500, pollIntervalMs: 1000 },
    // A node idles at about 100 MiB; the engine's caches and queues are bounded well below the rest.
    rssBoundKib: 384 * MIB,
    // A timer step whose processor never answers waits for its deadline (60 s by default) before its retry.
    drainWaitMs: 120_000,
    streamWaitMs: 60_000,
    faultGapMsMin: 5000,
    faultGapMsMax: 11_000,
  };
}

function parseOptions(args: readonly string[]): { minutes: number; seed: number; keep: boolean } {
  const { values } = parseArgs({
    args: [...args],
    options: { minutes: { type: "string" }, seed: { type: "string" }, keep: { type: "boolean" } },
  });
  const minutes = values.minutes === undefined ? 2 : Number(values.minutes);
  if (!Number.isFinite(minutes) || minutes <= 0)
    throw new Error(`--minutes must be a positive number\n${USAGE}`);
  const seed = values.seed === undefined ? freshSeed() : Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new Error(`--seed must be a whole number in 0..4294967295\n${USAGE}`);
  }
  return { minutes, seed, keep: values.keep === true };
}

async function main(): Promise<number> {
  const { minutes, seed, keep } = parseOptions(process.argv.slice(2));
  const startMs = Date.now();
  const offsetOf = (epochMs: number) => `+${((epochMs - startMs) / 1000).toFixed(3)} s`;
  const log = (line: string) => console.log(`[${offsetOf(Date.now())}] ${line}`);
  console.log(
    `fault soak: seed ${seed}, ${minutes} min of faults, lease ${LEASE_DURATION_MS} ms; replay: npm run chaos -- --seed ${seed} --minutes ${minutes}`,
  );
  const folder = await mkdtemp(join(tmpdir(), "ratchet-chaos-"));
  const soak = new Soak({ folder, settings: settingsOf(minutes, seed), log, offsetOf, keepFolder: keep });
  process.on("exit", () => soak.tearDownNow());
  const interrupted = new AbortController();
  const onSignal = (name: string) => {
    // A second signal does not wait for the orderly stop: the exit hook kills and removes what is left.
    if (interrupted.signal.aborted) process.exit(130);
    log(`${name}: stopping`);
    interrupted.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const results: CheckResult[] = [];
  try {
    const outcome = await soak.run(interrupted.signal);
    for (const line of figureLines(outcome)) console.log(line);
    results.push(...outcome.results);
  } catch (error) {
    const stack = error instanceof SoakInterruptedError ? undefined : (error as Error).stack;
    const reason = stack ?? (error instanceof Error ? error.message : String(error));
    results.push({ name: "the soak ran to its end", passed: false, details: reason.split("\n") });
  } finally {
    await soak.tearDown().catch((error: unknown) => log(`tear-down: ${String(error)}`));
  }
  for (const line of checkLines(results)) console.log(line);
  const failed = results.filter((check) => !check.passed).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    console.log("0 passed, 1 failed");
    process.exitCode = 2;
  },
);
