/**
 * A real node with access control on a real socket (127.0.0.1, port 0), fresh in-memory SQLite: namespaces
 * `payments` and `orders` (the API tests' processor, tests/support/api-processor.ts), the JSON API and the console
 * behind `mountAccess`, and one extra route, `GET /v1/test/actor`, that answers the actor the routes see
 * (actorOf), so the tests can prove what the audit log will read. `send` makes one real fetch.
 */

import { sha256Of } from "../../src/config/access.js";
import type { AccessToken, Role } from "../../src/core/access.js";
import { type AccessOptions, mountAccess } from "../../src/http/access/access-control.js";
import { actorOf } from "../../src/http/actor.js";
import { mountJsonApi } from "../../src/http/api/json-api.js";
import { mountConsole } from "../../src/http/console/console-routes.js";
import { createHttpServer } from "../../src/http/http-server.js";
import { bulkApiOf } from "../../src/runtime/bulk-api.js";
import { createNode, type RatchetNode } from "../../src/runtime/create-node.js";
import { createApiProcessor } from "./api-processor.js";

export interface AccessNode {
  readonly baseUrl: string;
  readonly node: RatchetNode;
  send(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; authorization?: string },
  ): Promise<Answer>;
  close(): Promise<void>;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly contentType: string | null;
  readonly json: Record<string, unknown>;
  readonly text: string;
}

/** A token for the tests: its secret, and the token the node keeps (the secret's hash only). */
export function testToken(
  name: string,
  secret: string,
  roles: Readonly<Record<string, Role>>,
  extra: Partial<Pick<AccessToken, "expiresAtMs" | "maskPayloads">> = {},
): AccessToken {
  return {
    name,
    sha256: sha256Of(secret),
    roles,
    expiresAtMs: extra.expiresAtMs ?? null,
    maskPayloads: extra.maskPayloads ?? false,
    source: "config",
  };
}

export async function startAccessNode(access: AccessOptions): Promise<AccessNode> {
  const { processor } = createApiProcessor();
  const node = await createNode({
    storage: { kind: "sqlite", path: ":memory:" },
    pollIntervalMs: 50,
    namespaces: () => [
      { name: "payments", processor },
      { name: "orders", processor },
    ],
  });
  const nowUs = () => node.clock.nowUs();
  const http = createHttpServer({
    engine: node.engine,
    nowUs,
    mount: (app) => {
      mountAccess(access)(app);
      app.get("/v1/test/actor", (context) => context.json({ actor: actorOf(context) }));
      mountJsonApi({
        engine: node.engine,
        queries: node.storage,
        nowUs,
        bodyBytesMax: 1024 * 1024,
        bulk: bulkApiOf(node),
      })(app);
      mountConsole()(app);
    },
  });
  const address = await http.listen(0, "127.0.0.1");
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    baseUrl,
    node,
    async send(method, path, options = {}) {
      const headers: Record<string, string> = {};
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      if (options.authorization !== undefined) headers.authorization = options.authorization;
      if (options.body !== undefined) headers["content-type"] = "application/json";
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
      const text = await response.text();
      let json: Record<string, unknown> = {};
      try {
        json = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        json = {};
      }
      return {
        status: response.status,
        headers: response.headers,
        contentType: response.headers.get("content-type"),
        json,
        text,
      };
    },
    async close() {
      await http.close({ timeoutMs: 2000 });
      await node.close({ drainTimeoutMs: 2000 });
    },
  };
}
