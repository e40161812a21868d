/**
 * The JSON call workload: the JSON API's whole path in one process. A node on a fresh SQLite file with a local
 * processor (each call appends one 64-byte event and echoes its argument), the node's HTTP server with the JSON
 * API mounted, and `callers` loops each calling a machine of its own with `POST …/call` (natural JSON over
 * HTTP/1.1 keep-alive) as fast as answers come back.
 *
 * Call it as: `const result = await runJsonCalls({ callers: 32, seconds: 3 });`
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jsonBodyBytesMax, mountJsonApi } from "../src/http/api/json-api.js";
import { createHttpServer } from "../src/http/http-server.js";
import { localProcessor } from "../src/processors/local-processor.js";
import { createNode } from "../src/runtime/create-node.js";
import type { WoodyCallResult } from "./woody-call.js";

const NAMESPACE = "bench";
const EVENT_BYTES = 64;

export async function runJsonCalls(options: { callers: number; seconds: number }): Promise<WoodyCallResult> {
  const directory = mkdtempSync(join(tmpdir(), "ratchet-json-bench-"));
  const processor = localProcessor({
    init: () => ({}),
    call: ({ args }) => ({ events: [{ data: randomBytes(EVENT_BYTES) }], response: args }),
  });
  const node = await createNode({
    storage: { kind: "sqlite", path: join(directory, "json-calls.db") },
    namespaces: () => [{ name: NAMESPACE, processor }],
  });
  const nowUs = () => node.clock.nowUs();
  const server = createHttpServer({
    engine: node.engine,
    nowUs,
    mount: mountJsonApi({
      engine: node.engine,
      queries: node.storage,
      nowUs,
      bodyBytesMax: jsonBodyBytesMax([]),
    }),
  });
  const { port } = await server.listen(0, "127.0.0.1");
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.callers });
  try {
    const base = `http://127.0.0.1:${port}/v1/namespaces/${NAMESPACE}/machines`;
    const ids = Array.from({ length: options.callers }, (_, index) => `json-call-${index}`);
    for (const id of ids) await post(agent, base, JSON.stringify({ id, args: 1 }));
    const body = JSON.stringify({ args: { amount: 1 }, range: { limit: 10, direction: "backward" } });
    const latencies: number[] = [];
    const startedAt = performance.now();
    const endAt = startedAt + options.seconds * 1000;
    await Promise.all(
      ids.map(async (id) => {
        while (performance.now() < endAt) {
          const began = performance.now();
          await post(agent, `${base}/${id}/call`, body);
          latencies.push(performance.now() - began);
        }
      }),
    );
    const elapsedSeconds = (performance.now() - startedAt) / 1000;
    latencies.sort((left, right) => left - right);
    const at = (fraction: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * fraction))] ?? Number.NaN;
    return {
      calls: latencies.length,
      callsPerSecond: latencies.length / elapsedSeconds,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
    };
  } finally {
    agent.destroy();
    await server.close();
    await node.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** One POST; rejects on anything but 2xx. */
function post(agent: http.Agent, url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: "POST", agent, headers: { "content-type": "application/json" } },
      (response) => {
        response.resume();
        response.on("end", () =>
          (response.statusCode ?? 0) < 300
            ? resolve()
            : reject(new Error(`HTTP ${response.statusCode} from ${url}`)),
        );
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}
