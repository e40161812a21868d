/**
 * A whole Ratchet node for the end-to-end tests: an MG-format configuration parsed by the real loader, the node
 * built from it on SQLite (in memory unless a path is given), the HTTP server on 127.0.0.1 port 0, the test
 * processor of mg-test-processor.ts, and a woody Automaton client. Everything is real: bytes cross sockets.
 */
import type { AddressInfo } from "node:net";
import { parseConfig } from "../../../src/config/config.js";
import { createHttpServer, type RatchetHttpServer } from "../../../src/http/http-server.js";
import type { msgpack } from "../../../src/mg/thrift/generated/index.js";
import { MG_SCHEMA, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import { createWoodyClient, type WoodyClient } from "../../../src/mg/woody/client.js";
import { WoodyBusinessError, type WoodyErrorClass, WoodySystemError } from "../../../src/mg/woody/errors.js";
import type { RatchetNode } from "../../../src/runtime/create-node.js";
import { createNodeFromConfig } from "../../../src/runtime/node-from-config.js";
import { nowUs } from "../woody/local-http.js";
import { MODERNIZED_FORMAT_VERSION, startTestProcessor, type TestProcessor } from "./mg-test-processor.js";

export const NS = "NS";
/** A namespace without a modernizer. */
export const PLAIN_NS = "plain";

export type AutomatonClient = WoodyClient<stateProcessing.AutomatonMethods>;

export interface E2eNode {
  readonly node: RatchetNode;
  readonly http: RatchetHttpServer;
  readonly processor: TestProcessor;
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** `<baseUrl>/v1/automaton` */
  readonly automatonUrl: string;
  readonly automaton: AutomatonClient;
  close(): Promise<void>;
}

/** The configuration the tests run with, in MG's format: namespace NS with a modernizer, PLAIN_NS without. */
export function e2eConfigYaml(options: {
  processorUrl: string;
  modernizerUrl: string;
  storage?: string;
  port?: number;
}): string {
  return `
woody_server:
  ip: 127.0.0.1
  port: ${options.port ?? 0}
  shutdown_timeout: 5s
storage:
${options.storage ?? "  type: memory"}
namespaces:
  ${NS}:
    processor:
      url: ${options.processorUrl}
    default_processing_timeout: 5s
    modernizer:
      current_format_version: ${MODERNIZED_FORMAT_VERSION}
      handler:
        url: ${options.modernizerUrl}
  ${PLAIN_NS}:
    processor:
      url: ${options.processorUrl}
`;
}

export async function startE2eNode(options: { sleepMs?: number } = {}): Promise<E2eNode> {
  const processor = await startTestProcessor(options);
  const config = parseConfig(
    e2eConfigYaml({ processorUrl: processor.url, modernizerUrl: processor.modernizerUrl }),
    {},
  );
  const node = await createNodeFromConfig(config);
  const http = createHttpServer({ engine: node.engine, nowUs });
  const address: AddressInfo = await http.listen(0, "127.0.0.1");
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const automaton = automatonClient(`${baseUrl}/v1/automaton`);
  return {
    node,
    http,
    processor,
    baseUrl,
    automatonUrl: `${baseUrl}/v1/automaton`,
    automaton,
    async close() {
      automaton.close();
      await http.close({ timeoutMs: 2000 });
      await node.close({ drainTimeoutMs: 2000 });
      await processor.close();
    },
  };
}

export function automatonClient(url: string): AutomatonClient {
  return createWoodyClient<stateProcessing.AutomatonMethods>({
    schema: MG_SCHEMA,
    service: stateProcessing.SERVICE.Automaton,
    url,
    nowUs,
    timeoutMsDefault: 10_000,
  });
}

/** A descriptor of the whole history (MG's `{undefined, undefined, forward}`). */
export function descriptor(
  id: string,
  range: stateProcessing.HistoryRange = {},
  ns = NS,
): stateProcessing.MachineDescriptor {
  return { ns, ref: { id }, range };
}

/** Resolves with the business error's type name, or fails if the call succeeded or failed otherwise. */
export async function businessErrorOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof WoodyBusinessError) return error.typeName;
    throw error;
  }
  throw new Error("expected a business error, the call succeeded");
}

/** Resolves with the system error, or fails if the call succeeded or failed otherwise. */
export async function systemErrorOf(
  call: Promise<unknown>,
): Promise<{ errorClass: WoodyErrorClass; details: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof WoodySystemError) return { errorClass: error.errorClass, details: error.details };
    throw error;
  }
  throw new Error("expected a system error, the call succeeded");
}

/** Event bodies of a history as text (`bin`/`str`), for compact assertions. */
export function bodies(history: readonly stateProcessing.Event[]): unknown[] {
  return history.map((event) => valueText(event.data));
}

export function valueText(value: msgpack.Value): unknown {
  if (value.bin !== undefined) return Buffer.from(value.bin).toString();
  if (value.str !== undefined) return value.str;
  if (value.i !== undefined) return value.i;
  if (value.arr !== undefined) return value.arr.map(valueText);
  if (value.nl !== undefined) return null;
  return value;
}
