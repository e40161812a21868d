/**
 * A real node for the bulk operations' tests: the API tests' processor in namespace `payments`
 * (tests/support/api-processor.ts), the JSON API with its bulk routes on a real socket (port 0), on the storage
 * the test picks (SQLite file or in memory, or a PostgreSQL database); its bulk runner with a short lease and
 * poll so takeovers happen within a test. Helpers make failed machines and read runs to the end.
 */
import assert from "node:assert/strict";
import { mountJsonApi } from "../../src/http/api/json-api.js";
import { createHttpServer } from "../../src/http/http-server.js";
import { pack } from "../../src/processors/payload.js";
import { bulkApiOf } from "../../src/runtime/bulk-api.js";
import { createNode, type RatchetNode, type StorageChoice } from "../../src/runtime/create-node.js";
import { createApiProcessor } from "./api-processor.js";
import { waitFor } from "./wait.js";

export const PAYMENTS = "payments";
export const BULK_LEASE_MS = 1000;

export interface BulkNode {
  readonly baseUrl: string;
  readonly node: RatchetNode;
  close(): Promise<void>;
}

export async function startBulkNode(
  storage: StorageChoice,
  options: { readonly runner?: boolean } = {},
): Promise<BulkNode> {
  const { processor } = createApiProcessor();
  const node = await createNode({
    storage,
    pollIntervalMs: 50,
    schedulerEnabled: options.runner ?? true,
    namespaces: () => [{ name: PAYMENTS, processor }],
    bulk: { leaseDurationMs: BULK_LEASE_MS, pollIntervalMs: 100 },
  });
  const nowUs = () => node.clock.nowUs();
  const http = createHttpServer({
    engine: node.engine,
    nowUs,
    mount: mountJsonApi({
      engine: node.engine,
      queries: node.storage,
      nowUs,
      bodyBytesMax: 64 * 1024,
      bulk: bulkApiOf(node, { ratePerSecondMax: 5000 }),
    }),
  });
  const address = await http.listen(0, "127.0.0.1");
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    node,
    async close() {
      await http.close({ timeoutMs: 2000 });
      await node.close({ drainTimeoutMs: 2000 });
    },
  };
}

/** `count` machines `<prefix>-NNNN`, each failed by its processor. */
export async function failedMachines(node: RatchetNode, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(4, "0")}`);
  for (const id of ids) {
    await node.engine.start(PAYMENTS, id, pack({ amount: 1 }));
    await node.engine.call(PAYMENTS, id, pack({ op: "fail" })).catch(() => undefined);
  }
  return ids;
}

export async function statusOf(node: RatchetNode, id: string): Promise<string> {
  return (await node.engine.get(PAYMENTS, id, { limit: 0, direction: "forward" })).status;
}

/** The journal's steps of one kind on a machine (a simple repair, a repair). */
export async function stepsOfKind(node: RatchetNode, id: string, kind: string): Promise<number> {
  const steps = await node.engine.steps(PAYMENTS, id, { limit: 1000 });
  return steps.filter((step) => step.kind === kind).length;
}

export async function api<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}

export interface OutcomeWire {
  readonly machine_id: string;
  readonly outcome: "ok" | "failed" | "skipped";
  readonly error_type?: string;
  readonly detail?: string;
  readonly at: string;
}

/** Every outcome of a run, page by page through next_cursor. */
export async function allOutcomes(baseUrl: string, runId: string): Promise<OutcomeWire[]> {
  const outcomes: OutcomeWire[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page += 1) {
    const query: string = cursor === null ? "?limit=50" : `?limit=50&cursor=${cursor}`;
    const answer = await api<{ outcomes: OutcomeWire[]; next_cursor: string | null }>(
      baseUrl,
      "GET",
      `/v1/bulk/${runId}/outcomes${query}`,
    );
    assert.equal(answer.status, 200);
    outcomes.push(...answer.body.outcomes);
    cursor = answer.body.next_cursor;
    if (cursor === null) return outcomes;
  }
  throw new Error("too many outcome pages");
}

export async function waitForRun(
  baseUrl: string,
  runId: string,
  until: (run: Record<string, unknown>) => boolean,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  return waitFor(
    `bulk run ${runId}`,
    async () => {
      const { body } = await api(baseUrl, "GET", `/v1/bulk/${runId}`);
      return until(body) ? body : null;
    },
    { timeoutMs, intervalMs: 50 },
  );
}
