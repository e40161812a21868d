/**
 * `ratchet dev`: the engine on the embedded store with the demo namespaces, narrated. It starts three payments
 * (two approved by their bank, one whose bank stays silent until the deadline) while the bank's capture is down:
 * the approved payments pause when their capture's retries run out, and the demo, as an operator would, resumes
 * them once the bank is back. It prints every event as it is committed and every pause and resume, then the
 * payments' flow from the step journal, and keeps running until interrupted (or exits with --once). The JSON API
 * is served beside it with the web console at /console; the first line printed names both, followed by curl lines
 * to try.
 */
import { flowToMermaid } from "../core/flow.js";
import { formatTimestampUs } from "../core/time.js";
import type { DemoBank } from "../demo/payments.js";
import { demoNamespaces, PAYMENTS, SESSIONS } from "../demo/payments.js";
import type { EngineApi, MachineSnapshot } from "../engine/engine-api.js";
import { mountAccess } from "../http/access/access-control.js";
import { jsonBodyBytesMax, mountJsonApi } from "../http/api/json-api.js";
import { CONSOLE_PATH, mountConsole } from "../http/console/console-routes.js";
import { createHttpServer, type RatchetHttpServer } from "../http/http-server.js";
import { pack, unpack } from "../processors/payload.js";
import { bulkApiOf } from "../runtime/bulk-api.js";
import type { RatchetNode } from "../runtime/create-node.js";
import { createNode } from "../runtime/create-node.js";

export interface DevOptions {
  readonly databasePath: string;
  readonly once: boolean;
  /** The JSON API's port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  readonly write: (line: string) => void;
}

export interface DevNode {
  readonly node: RatchetNode;
  readonly http: RatchetHttpServer;
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}

export const DEV_PORT_DEFAULT = 8022;
const DEV_HOST = "127.0.0.1";

const TERMINAL_STAGES = new Set(["captured", "expired", "declined"]);

interface Payment {
  readonly id: string;
  readonly amount: number;
  readonly bankAnswers: boolean;
}

export async function runDev(options: DevOptions): Promise<DevNode> {
  const { write } = options;
  const bank: DemoBank = { outage: true };
  const node = await createNode({
    storage: { kind: "sqlite", path: options.databasePath },
    namespaces: (engine) => demoNamespaces(engine, { sessionDeadlineMs: 1500, bankDelayMs: 300 }, bank),
    onError: (error) => write(`  ! ${String(error)}`),
    onAuditLine: (line) => write(`  ${line}`),
  });
  const { http, port } = await serveJsonApi(node, options.port).catch(async (error: unknown) => {
    await node.close();
    throw error;
  });
  const run = Date.now().toString(36);
  const base = `http://${DEV_HOST}:${port}`;
  write(`JSON API at ${base} (OpenAPI at ${base}/openapi.json); console at ${base}${CONSOLE_PATH}`);
  write(`Ratchet dev node ${node.owner}: embedded SQLite at ${options.databasePath}`);
  write(`namespaces: ${node.engine.namespaces().join(", ")}`);
  for (const line of curlLines(base, `pay-${run}-1`)) write(line);
  await narrateDemo(node, bank, run, options);
  return {
    node,
    http,
    async close(closeOptions) {
      await http.close();
      await node.close(closeOptions);
    },
  };
}

async function serveJsonApi(
  node: RatchetNode,
  port: number,
): Promise<{ http: RatchetHttpServer; port: number }> {
  const http = createHttpServer({
    engine: node.engine,
    nowUs: () => node.clock.nowUs(),
    mount: (app) => {
      // 127.0.0.1 only, so no token: whoever can reach it is on this machine.
      mountAccess({ mode: "none" })(app);
      mountJsonApi({
        engine: node.engine,
        queries: node.storage,
        nowUs: () => node.clock.nowUs(),
        bodyBytesMax: jsonBodyBytesMax([]),
        outbox: { sinks: node.relays.map((relay) => relay.sink.name), store: node.storage },
        bulk: bulkApiOf(node),
      })(app);
      mountConsole()(app);
    },
  });
  const address = await http.listen(port, DEV_HOST);
  return { http, port: address.port };
}

/** Commands a newcomer can paste: start a payment, call it, read it, find the failed ones. */
function curlLines(base: string, demoId: string): string[] {
  const machines = `${base}/v1/namespaces/${PAYMENTS}/machines`;
  const json = "-H 'content-type: application/json'";
  return [
    "try the JSON API:",
    `  curl -s ${json} -d '{"id": "my-payment", "args": {"amount": 4200, "bankAnswers": true}}' ${machines}`,
    `  curl -s ${json} -d '{"args": "status"}' ${machines}/my-payment/call`,
    `  curl -s '${machines}/my-payment?limit=20'`,
    `  curl -s '${machines}/${demoId}?direction=backward&limit=5'`,
    `  curl -s '${machines}?status=working'`,
    `  curl -s ${base}/v1/namespaces`,
  ];
}

async function narrateDemo(
  node: RatchetNode,
  bank: DemoBank,
  run: string,
  options: DevOptions,
): Promise<void> {
  const { write } = options;
  const { engine } = node;
  const payments: Payment[] = [
    { id: `pay-${run}-1`, amount: 1000, bankAnswers: true },
    { id: `pay-${run}-2`, amount: 2500, bankAnswers: false },
    { id: `pay-${run}-3`, amount: 700, bankAnswers: true },
  ];
  const started = Date.now();
  write("the bank's capture is down: captures will pause once their retries run out");
  for (const payment of payments) {
    await engine.start(
      PAYMENTS,
      payment.id,
      pack({ amount: payment.amount, bankAnswers: payment.bankAnswers }),
    );
    write(
      `started ${PAYMENTS}/${payment.id} (amount ${payment.amount}, bank ${payment.bankAnswers ? "answers" : "stays silent"})`,
    );
  }
  const narrator = new Narrator(engine, write, started);
  const finished = new Set<string>();
  while (finished.size < payments.length && Date.now() - started < 30_000) {
    for (const payment of payments) {
      const stage = await narrator.follow(payment.id);
      if (stage !== undefined && TERMINAL_STAGES.has(stage)) finished.add(payment.id);
    }
    await resumeAfterOutage(engine, bank, payments, narrator, write);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const payment of payments) {
    const stage = unpack(await engine.call(PAYMENTS, payment.id, pack("status")));
    const snapshot = await engine.get(PAYMENTS, payment.id, { limit: 1, direction: "backward" });
    const last = snapshot.history[0];
    write(
      `call ${PAYMENTS}/${payment.id} status → ${String(stage)}; last event #${last?.id} at ${last ? formatTimestampUs(last.createdAtUs) : "-"}`,
    );
  }
  write(
    `demo done in ${Date.now() - started} ms: ${finished.size} of ${payments.length} payments reached a final stage`,
  );
  write(`the flow of ${PAYMENTS}, from the step journal (ratchet flow ${PAYMENTS}; Mermaid):`);
  for (const line of flowToMermaid(await engine.flow(PAYMENTS))
    .trimEnd()
    .split("\n"))
    write(`  ${line}`);
  if (!options.once) write("the node keeps running; press Ctrl-C to stop");
}

/**
 * Once every payment the bank answers is paused at its capture, the outage ends and the operator resumes them:
 * the scenario of an operator bringing paused machines back after a bank outage.
 */
async function resumeAfterOutage(
  engine: EngineApi,
  bank: DemoBank,
  payments: readonly Payment[],
  narrator: Narrator,
  write: (line: string) => void,
): Promise<void> {
  if (!bank.outage) return;
  const answered = payments.filter((payment) => payment.bankAnswers);
  if (!answered.every((payment) => narrator.status(payment.id) === "paused")) return;
  bank.outage = false;
  write("the bank is back: the operator resumes the paused payments");
  for (const payment of answered) {
    await engine.resume(PAYMENTS, payment.id);
    write(`resumed ${PAYMENTS}/${payment.id}`);
  }
}

/** Prints what is new of a payment and its session: events, retries, pauses. */
class Narrator {
  readonly #cursors = new Map<string, number>();
  readonly #retries = new Map<string, number>();
  readonly #statuses = new Map<string, string>();

  constructor(
    private readonly engine: EngineApi,
    private readonly write: (line: string) => void,
    private readonly started: number,
  ) {}

  status(paymentId: string): string | undefined {
    return this.#statuses.get(`${PAYMENTS}/${paymentId}`);
  }

  /** Narrates both machines of a payment; returns the payment's stage. */
  async follow(paymentId: string): Promise<string | undefined> {
    let stage: string | undefined;
    for (const namespace of [PAYMENTS, SESSIONS]) {
      const key = `${namespace}/${paymentId}`;
      const snapshot = await this.engine
        .get(namespace, paymentId, { after: this.#cursors.get(key) ?? 0, direction: "forward" })
        .catch(() => null);
      if (snapshot === null) continue;
      this.#narrate(key, snapshot);
      if (namespace === PAYMENTS) {
        stage = (unpack(snapshot.record.auxState.data) as { stage?: string } | null)?.stage;
      }
    }
    return stage;
  }

  #narrate(key: string, snapshot: MachineSnapshot): void {
    for (const event of snapshot.history) {
      const at = `+${String(Math.round(event.createdAtUs / 1000 - this.started)).padStart(5)}ms`;
      this.write(`${at}  ${key.padEnd(28)} #${event.id} ${JSON.stringify(unpack(event.data))}`);
      this.#cursors.set(key, event.id);
    }
    const { retry, pause } = snapshot.record;
    if (retry !== null && this.#retries.get(key) !== retry.attempt) {
      this.#retries.set(key, retry.attempt);
      this.write(`          ${key.padEnd(28)} retrying after failure ${retry.attempt}: ${retry.lastError}`);
    }
    if (snapshot.status === "paused" && this.#statuses.get(key) !== "paused" && pause !== null) {
      this.write(`          ${key.padEnd(28)} paused by ${pause.by}: ${pause.reason}`);
    }
    this.#statuses.set(key, snapshot.status);
  }
}
