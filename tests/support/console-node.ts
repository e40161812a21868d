/**
 * A real node serving the JSON API and the console on a real socket (port 0), on a fresh in-memory SQLite, as the
 * console's browser tests and `npm run screenshots` use it. Namespaces: `payments` (the API tests' processor,
 * tests/support/api-processor.ts: calls that fail the machine, append many events, set timers; repairs it may
 * refuse) and `orders` (named timer steps risk_check, then review for large orders, then capture, with a declared
 * flow that does not name review, so the flow page has something undeclared to show).
 * The node's own access control in front (mountAccess): bearer tokens when `tokens` are given, none otherwise.
 * The node's bulk operations are served (its bulk runner drives the runs).
 */
import type { AccessToken } from "../../src/core/access.js";
import { mountAccess } from "../../src/http/access/access-control.js";
import { mountJsonApi } from "../../src/http/api/json-api.js";
import { CONSOLE_PATH, mountConsole } from "../../src/http/console/console-routes.js";
import { createHttpServer } from "../../src/http/http-server.js";
import type { NodeApp } from "../../src/http/routes.js";
import { localProcessor, timer } from "../../src/processors/local-processor.js";
import { pack, unpack } from "../../src/processors/payload.js";
import { bulkApiOf } from "../../src/runtime/bulk-api.js";
import { createNode, type RatchetNode } from "../../src/runtime/create-node.js";
import { createApiProcessor } from "./api-processor.js";

export interface ConsoleNode {
  /** `http://127.0.0.1:PORT`. */
  readonly baseUrl: string;
  /** `http://127.0.0.1:PORT/console`. */
  readonly consoleUrl: string;
  readonly node: RatchetNode;
  close(): Promise<void>;
}

export interface ConsoleNodeOptions {
  /** Requires one of these bearer tokens on /v1/ (the node's access control; tests/support/access-node.ts testToken). */
  readonly tokens?: readonly AccessToken[];
}

export async function startConsoleNode(options: ConsoleNodeOptions = {}): Promise<ConsoleNode> {
  const { processor } = createApiProcessor();
  const node = await createNode({
    storage: { kind: "sqlite", path: ":memory:" },
    pollIntervalMs: 50,
    namespaces: () => [
      { name: "payments", processor },
      {
        name: "orders",
        processor: ordersProcessor(),
        flow: {
          strict: false,
          steps: ["init", "risk_check", "capture"],
          transitions: [
            ["init", "risk_check"],
            ["risk_check", "capture"],
          ],
        },
      },
    ],
  });
  const nowUs = () => node.clock.nowUs();
  const mount = (app: NodeApp) => {
    mountAccess(options.tokens === undefined ? { mode: "none" } : { mode: "tokens", tokens: options.tokens })(
      app,
    );
    mountJsonApi({
      engine: node.engine,
      queries: node.storage,
      nowUs,
      bodyBytesMax: 1024 * 1024,
      bulk: bulkApiOf(node),
    })(app);
    mountConsole()(app);
  };
  const http = createHttpServer({ engine: node.engine, nowUs, mount });
  const address = await http.listen(0, "127.0.0.1");
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    baseUrl,
    consoleUrl: `${baseUrl}${CONSOLE_PATH}`,
    node,
    async close() {
      await http.close({ timeoutMs: 2000 });
      await node.close({ drainTimeoutMs: 2000 });
    },
  };
}

/** An order: risk_check, review when the amount is over 1,000 (not in the declared flow), capture. */
function ordersProcessor() {
  const amountOf = (bytes: Uint8Array) => (unpack(bytes) as { amount?: number } | null)?.amount ?? 0;
  return localProcessor({
    init: ({ args }) => ({
      auxState: { data: args },
      events: [{ data: pack({ event: "created", amount: amountOf(args) }) }],
      timer: timer.now({ step: "risk_check" }),
    }),
    timer: ({ machine }, { stepName }) => {
      const amount = amountOf(machine.auxState.data);
      if (stepName === "risk_check") {
        const next = amount > 1000 ? "review" : "capture";
        return {
          events: [{ data: pack({ event: "risk_checked", score: amount % 97 }) }],
          timer: timer.now({ step: next }),
        };
      }
      if (stepName === "review")
        return { events: [{ data: pack({ event: "reviewed" }) }], timer: timer.now({ step: "capture" }) };
      return { events: [{ data: pack({ event: "captured", amount }) }], timer: timer.unset() };
    },
    call: ({ machine }) => ({ response: machine.auxState.data }),
  });
}
