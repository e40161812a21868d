/**
 * `npm run peers` (here) or `npm run bench:peers` (at the root): the chain workload on each system one after
 * another in one sitting, each on a fresh PostgreSQL database dropped afterwards, then a ratio table: each
 * system ÷ the one-transaction ceiling (the mean of its runs before and after the others), and Ratchet ÷ each.
 * CPU per step: the system's own processes (from /proc) and the database backends serving it.
 *
 *   node run-peers.mjs [--seconds 10] [--only ratchet,dbos,restate,graphile-worker,pg-boss,ceilings]
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { startCpuProbe } from "../../dist/bench/cpu-probe.js";
import { PEER_GOALS, goalLines } from "../../dist/bench/goals.js";

const ADMIN_URL = process.env.RATCHET_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const { values } = parseArgs({
  options: { seconds: { type: "string", default: "10" }, only: { type: "string" } },
});
const SECONDS = values.seconds;

const RUNS = [
  { key: "ceiling_before", part: "ceilings", script: "peer-ceiling.mjs", args: ["--mode", "transaction"] },
  { key: "ceiling_round_trip", part: "ceilings", script: "peer-ceiling.mjs", args: ["--mode", "round-trip"] },
  { key: "ratchet", part: "ratchet", script: "peer-ratchet.mjs", args: [] },
  { key: "dbos", part: "dbos", script: "peer-dbos.mjs", args: [] },
  { key: "restate", part: "restate", script: "peer-restate.mjs", args: [] },
  { key: "graphile_worker", part: "graphile-worker", script: "peer-graphile-worker.mjs", args: [] },
  { key: "pg_boss", part: "pg-boss", script: "peer-pg-boss.mjs", args: [] },
  { key: "ceiling_after", part: "ceilings", script: "peer-ceiling.mjs", args: ["--mode", "transaction"] },
];

async function admin(sql) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function databaseUrl(name) {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs one peer script on a fresh database; resolves to its window-end line plus the measured CPU. */
async function runPeer(run) {
  const database = `ratchet_peers_${randomBytes(5).toString("hex")}`;
  await admin(`CREATE DATABASE ${database}`);
  try {
    const script = fileURLToPath(new URL(`./${run.script}`, import.meta.url));
    const child = spawn(process.execPath, [script, "--url", databaseUrl(database), "--seconds", SECONDS, ...run.args], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    return await new Promise((resolve, reject) => {
      let output = "";
      let probe;
      let result;
      const onLine = async (text) => {
        if (!text.startsWith("{")) return;
        const message = JSON.parse(text);
        if (message.event === "window-start") {
          const pids = [child.pid, ...message.pids];
          probe = startCpuProbe({ pids, postgres: { adminUrl: ADMIN_URL, database } });
        } else if (message.event === "window-end") {
          const cpu = await (await probe).stop();
          result = { ...message, systemCpuUsPerStep: cpu.ratchetUs / message.steps, postgresCpuUsPerStep: cpu.postgresUs / message.steps };
          child.stdin.end("stop\n");
        }
      };
      let pending = "";
      child.stdout.on("data", (chunk) => {
        output += chunk.toString();
        pending += chunk.toString();
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) onLine(line.trim()).catch(reject);
      });
      child.stderr.on("data", (chunk) => {
        output += chunk.toString();
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), (Number(SECONDS) + 120) * 1000);
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        if (result !== undefined) resolve(result);
        else reject(new Error(`${run.script} exited ${code ?? signal} without a result:\n${output.slice(-2000)}`));
      });
    });
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

const round = (value, digits = 0) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);

async function main() {
  const parts = new Set((values.only ?? "ceilings,ratchet,dbos,restate,graphile-worker,pg-boss").split(","));
  console.log(`The chain workload on Ratchet and its peers, ${SECONDS} s per system, one after another`);
  const results = {};
  for (const run of RUNS.filter((candidate) => parts.has(candidate.part))) {
    try {
      const result = await runPeer(run);
      results[run.key] = result;
      console.log(
        `  ${result.system}: ${round(result.stepsPerSecond)} steps/s; CPU per step ${round(result.systemCpuUsPerStep)} µs (its processes), ${round(result.postgresCpuUsPerStep)} µs (PostgreSQL)`,
      );
    } catch (error) {
      results[run.key] = { failed: error.message };
      console.log(`  ${run.key}: could not run: ${error.message.split("\n")[0]}`);
      console.error(error.message);
    }
  }
  printRatios(results);
}

function printRatios(results) {
  const rate = (key) => results[key]?.stepsPerSecond;
  const ceilings = [rate("ceiling_before"), rate("ceiling_after")].filter((value) => value !== undefined);
  const ceiling = ceilings.length === 0 ? undefined : ceilings.reduce((sum, value) => sum + value, 0) / ceilings.length;
  const ratchet = rate("ratchet");
  console.log("\n  system                                                         steps/s  ÷ one-transaction ceiling  Ratchet ÷ system");
  const figures = { ceiling_one_transaction_steps_per_s: round(ceiling ?? Number.NaN) };
  for (const [key, result] of Object.entries(results)) {
    const steps = result.stepsPerSecond;
    const name = (result.system ?? `${key} (could not run)`).slice(0, 62).padEnd(62);
    const toCeiling = steps !== undefined && ceiling !== undefined ? round(steps / ceiling, 2) : null;
    const ratchetTo = steps !== undefined && ratchet !== undefined ? round(ratchet / steps, 2) : null;
    console.log(`  ${name} ${String(round(steps ?? Number.NaN) ?? "—").padStart(7)}  ${String(toCeiling ?? "—").padStart(25)}  ${String(ratchetTo ?? "—").padStart(16)}`);
    figures[`${key}_steps_per_s`] = round(steps ?? Number.NaN);
    figures[`${key}_to_ceiling_ratio`] = toCeiling;
    if (!key.startsWith("ceiling") && key !== "ratchet") figures[`ratchet_to_${key}_ratio`] = ratchetTo;
  }
  console.log("\nGoals");
  const numeric = Object.fromEntries(Object.entries(figures).map(([key, value]) => [key, value ?? Number.NaN]));
  for (const text of goalLines(PEER_GOALS, numeric)) console.log(text);
  console.log(JSON.stringify(figures));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
