/**
 * Proves a real Prometheus (Debian's `prometheus`, which .ci/run installs) scrapes a real `ratchet serve`: the
 * repository's alert rules pass `promtool check rules`, Prometheus loads them and evaluates every one against the
 * node's series without error, and a PromQL query through Prometheus' HTTP API returns the steps the node
 * committed. Prometheus runs on a free port with its own temporary data folder and a generated configuration
 * that scrapes the node every second. Without `prometheus` and `promtool` on PATH the test fails, saying so.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { NS } from "../mg/woody-e2e/harness.js";
import { startTestProcessor, type TestProcessor } from "../mg/woody-e2e/mg-test-processor.js";
import { waitFor } from "../support/wait.js";
import { getJson, killServeProcesses, postJson, serveProcess } from "./serve-process.js";

const ALERT_RULES = fileURLToPath(new URL("../../../config/prometheus/ratchet-alerts.yml", import.meta.url));
const INSTALL_HINT =
  "apt-get install -y --no-install-recommends prometheus (.ci/run installs it when missing)";

let directory: string;
let processor: TestProcessor;
let prometheus: ChildProcess | undefined;

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-prometheus-"));
  processor = await startTestProcessor({ sleepMs: 10 });
});

after(async () => {
  killServeProcesses();
  if (prometheus !== undefined && prometheus.exitCode === null) {
    const exited = new Promise((resolve) => prometheus?.once("exit", resolve));
    prometheus.kill("SIGTERM");
    await exited;
  }
  await processor.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Runs a tool that must be installed; a missing one fails the test with the way to install it. */
function runTool(command: string, args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.error !== undefined) {
    assert.fail(`${command} is not on PATH (${result.error.message}): ${INSTALL_HINT}`);
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null ? resolve(address.port) : reject(),
      );
    });
  });
}

function startPrometheus(target: string, port: number): ChildProcess {
  const configPath = join(directory, "prometheus.yml");
  writeFileSync(
    configPath,
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - ${JSON.stringify(ALERT_RULES)}
scrape_configs:
  - job_name: ratchet
    static_configs:
      - targets: [${JSON.stringify(target)}]
`,
  );
  const child = spawn(
    "prometheus",
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(directory, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: "pipe" },
  );
  child.once("error", (error) =>
    assert.fail(`prometheus could not start (${error.message}): ${INSTALL_HINT}`),
  );
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

interface QueryAnswer {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

interface RuleGroups {
  data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] };
}

test("Prometheus scrapes ratchet serve, loads the alert rules, and PromQL returns the steps committed", async () => {
  const checked = runTool("promtool", ["check", "rules", ALERT_RULES]);
  assert.equal(checked.status, 0, checked.output);
  const ruleCount = Number(/SUCCESS: (\d+) rules found/.exec(checked.output)?.[1]);
  assert.ok(ruleCount >= 8, checked.output);
  runTool("prometheus", ["--version"]);

  const served = await serveProcess({
    directory,
    processor,
    storage: `  type: sqlite\n  path: ${join(directory, "scraped.db")}`,
  });
  const machines = `${served.base}/v1/namespaces/${NS}/machines`;
  assert.equal((await postJson(machines, { id: "scraped", args: "start" })).status, 201);
  for (let call = 0; call < 3; call += 1) {
    assert.equal((await postJson(`${machines}/scraped/call`, { args: "nop" })).status, 200);
  }
  const stepsCommitted = 4; // the start's init step and three calls
  const own = await (await fetch(`${served.base}/metrics`)).text();
  assert.match(own, new RegExp(`^ratchet_steps_committed_total ${stepsCommitted}$`, "m"));

  const port = await freePort();
  prometheus = startPrometheus(new URL(served.base).host, port);
  const api = `http://127.0.0.1:${port}/api/v1`;
  const query = async (promql: string) => {
    const answer = (await getJson(`${api}/query?query=${encodeURIComponent(promql)}`))
      .json as unknown as QueryAnswer;
    assert.equal(answer.status, "success", JSON.stringify(answer));
    return answer.data.result;
  };
  const steps = await waitFor(
    "Prometheus to have scraped the node",
    async () => (await query('ratchet_steps_committed_total{job="ratchet"}'))[0],
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  assert.equal(Number(steps.value[1]), stepsCommitted);
  assert.equal(steps.metric.instance, new URL(served.base).host);
  const idle = await query(`ratchet_machines{job="ratchet", namespace="${NS}", status="idle"}`);
  assert.equal(Number(idle[0]?.value[1]), 1, "the storage-fed gauge is scraped too");
  const overdue = await query(`ratchet_oldest_overdue_timer_age_seconds{namespace="${NS}"}`);
  assert.equal(Number(overdue[0]?.value[1]), 0);

  const rules = await waitFor(
    "every alert rule to be evaluated",
    async () => {
      const answer = (await getJson(`${api}/rules`)).json as unknown as RuleGroups;
      const loaded = answer.data.groups.flatMap((group) => group.rules);
      return loaded.length === ruleCount && loaded.every((rule) => rule.health !== "unknown")
        ? loaded
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  for (const rule of rules) assert.equal(rule.health, "ok", `${rule.name}: ${rule.lastError ?? ""}`);
  const firing = await query('ALERTS{alertstate="firing"}');
  assert.deepEqual(firing, [], "a healthy node fires no alert");

  served.child.kill("SIGTERM");
  assert.equal(await served.exited, 0);
});
