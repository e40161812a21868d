/**
 * A real node serving the JSON API on a real socket (port 0), on a fresh in-memory SQLite: namespaces `payments`
 * (the API tests' processor, tests/support/api-processor.ts), `slow` (the same with a 100 ms deadline) and `pay`
 * (named timer steps risk_check then capture, the capture failing while the bank is down, retried every 60 s).
 */
import { ProcessorUnavailableError } from "../../src/core/errors.js";
import { mountJsonApi } from "../../src/http/api/json-api.js";
import { createHttpServer } from "../../src/http/http-server.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { pack } from "../../src/processors/payload.js";
import { bulkApiOf } from "../../src/runtime/bulk-api.js";
import { createNode, type RatchetNode } from "../../src/runtime/create-node.js";
import { createApiProcessor } from "./api-processor.js";

export interface ApiNode {
  /** `http://127.0.0.1:PORT`, the client's baseUrl. */
  readonly baseUrl: string;
  readonly node: RatchetNode;
  /** Steps the `payments` and `slow` processor ran, as `id:kind`. */
  readonly invocations: string[];
  /** Whether the `pay` namespace's bank refuses its capture. */
  readonly bank: { down: boolean };
  close(): Promise<void>;
}

export const BODY_BYTES_MAX = 64 * 1024;

export async function startApiNode(options: { readonly scheduler?: boolean } = {}): Promise<ApiNode> {
  const { processor, invocations } = createApiProcessor();
  const bank = { down: false };
  const node = await createNode({
    storage: { kind: "sqlite", path: ":memory:" },
    schedulerEnabled: options.scheduler ?? true,
    pollIntervalMs: 50,
    namespaces: () => [
      { name: "payments", processor },
      { name: "slow", processor, defaultProcessingTimeoutMs: 100 },
      {
        name: "pay",
        processor: bankProcessor(bank),
        steps: {
          capture: {
            retryPolicy: {
              backoff: { kind: "linear", initialIntervalMs: 60_000, incrementMs: 0 },
              maxAttempts: 5,
            },
          },
        },
      },
    ],
  });
  const nowUs = () => node.clock.nowUs();
  const http = createHttpServer({
    engine: node.engine,
    nowUs,
    mount: mountJsonApi({
      engine: node.engine,
      queries: node.storage,
      nowUs,
      bodyBytesMax: BODY_BYTES_MAX,
      bulk: bulkApiOf(node),
    }),
  });
  const address = await http.listen(0, "127.0.0.1");
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    node,
    invocations,
    bank,
    async close() {
      await http.close({ timeoutMs: 2000 });
      await node.close({ drainTimeoutMs: 2000 });
    },
  };
}

function bankProcessor(bank: { down: boolean }) {
  return localProcessor({
    init: () => ({ events: [{ data: pack("created") }], timer: timer.now({ step: "risk_check" }) }),
    timer: (_input, { stepName }) => {
      if (stepName === "risk_check")
        return { events: [{ data: pack("risk") }], timer: timer.now({ step: "capture" }) };
      if (bank.down) throw new ProcessorUnavailableError("the bank is down");
      return { events: [{ data: pack("captured") }], timer: timer.unset() };
    },
    call: () => ({ response: pack("ok") }),
  });
}
