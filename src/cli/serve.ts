/**
 * `ratchet serve --config FILE`: loads an MG-format configuration, starts the node and its HTTP server (the
 * Automaton API on `woody_server.ip`/`port`), and on a stop request stops accepting, lets requests and steps in
 * flight finish within `woody_server.shutdown_timeout`, and returns exit code 0. A bad configuration is exit 2.
 */
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import type { Environment, RatchetConfig } from "../config/config.js";
import { loadConfig } from "../config/config.js";
import { API_PREFIX, jsonBodyBytesMax, mountJsonApi, OPENAPI_PATH } from "../http/api/json-api.js";
import { CONSOLE_PATH, mountConsole } from "../http/console/console-routes.js";
import {
  AUTOMATON_PATH,
  createHttpServer,
  HEALTH_PATH,
  METRICS_PATH,
  type RatchetHttpServer,
} from "../http/http-server.js";
import { REQUEST_BODY_BYTES_MAX_DEFAULT } from "../mg/woody/request-reader.js";
import { bulkApiOf } from "../runtime/bulk-api.js";
import type { RatchetNode } from "../runtime/create-node.js";
import { createNodeMetrics } from "../runtime/metrics.js";
import { createNodeFromConfig, describeStorage, unappliedSettings } from "../runtime/node-from-config.js";
import { describeSinkTarget, sinkPlansOf } from "../runtime/sinks-from-config.js";
import { SystemClock } from "../runtime/system-clock.js";
import type { CliIo } from "./command-arguments.js";
import { UsageError } from "./command-arguments.js";
import { EXIT } from "./exit-codes.js";

export interface ServeOptions {
  readonly configPath: string;
  readonly env?: Environment;
  /** Progress lines (stdout). */
  readonly write: (line: string) => void;
  /** Warnings and errors (stderr). */
  readonly warn: (line: string) => void;
}

export interface ServingNode {
  readonly node: RatchetNode;
  readonly http: RatchetHttpServer;
  readonly address: AddressInfo;
  /** Stops accepting, drains requests and steps in flight (each within the shutdown timeout), closes storage. */
  stop(): Promise<void>;
}

/** Arguments above this (plus the message around them) cannot be valid, so the body cap follows the limits. */
const BODY_OVERHEAD_BYTES = 1024 * 1024;

export const SERVE_USAGE = `usage: ratchet serve --config FILE

  serves the Automaton API (woody) and /health as the configuration describes, runs timers, notifications and
  the sinks' relays; SIGINT or SIGTERM drains requests and steps in flight within woody_server.shutdown_timeout`;

/** `ratchet serve` from its arguments; runs until `stopRequested` settles. */
export async function runServeCommand(
  args: readonly string[],
  io: CliIo,
  stopRequested: Promise<unknown>,
): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { config: { type: "string" } } });
  if (values.config === undefined) throw new UsageError("serve needs --config FILE", SERVE_USAGE);
  return runServe({ configPath: values.config, write: io.write, warn: io.warn, env: io.env, stopRequested });
}

/** Runs until `stopRequested` settles; returns the process exit code. A bad configuration throws ConfigError. */
export async function runServe(
  options: ServeOptions & { readonly stopRequested: Promise<unknown> },
): Promise<number> {
  const serving = await startServing(options);
  const signal = await options.stopRequested;
  options.write(
    `stopping${typeof signal === "string" ? ` on ${signal}` : ""}: draining requests and steps in flight`,
  );
  await serving.stop();
  options.write("stopped");
  return EXIT.ok;
}

export async function startServing(options: ServeOptions): Promise<ServingNode> {
  const config = await loadConfig(options.configPath, options.env ?? process.env);
  for (const key of config.ignoredKeys) options.warn(`warning: ${key.path} has no effect: ${key.reason}`);
  for (const line of unappliedSettings(config)) options.warn(`warning: ${line}`);
  const node = await createNodeFromConfig(config, {
    onError: (error, context) => options.warn(`error: ${String(error)} ${JSON.stringify(context)}`),
  });
  const clock = new SystemClock();
  const server = config.woodyServer;
  const http = createHttpServer({
    engine: node.engine,
    nowUs: () => clock.nowUs(),
    connectionsMax: server.maxConcurrentConnections,
    keepAliveTimeoutMs: server.httpKeepAliveTimeoutMs,
    idleTimeoutMs: server.idleTimeoutMs,
    bodyBytesMax: bodyBytesMaxOf(config),
    onUnexpectedError: (error, method) => options.warn(`error: ${method} answered 500: ${error.message}`),
    metrics: createNodeMetrics(node),
    mount: (app) => {
      mountJsonApi({
        engine: node.engine,
        queries: node.storage,
        nowUs: () => clock.nowUs(),
        bodyBytesMax: jsonBodyBytesMaxOf(config),
        bulk: bulkApiOf(node, { ratePerSecondMax: config.bulkRatePerSecondMax }),
        onUnexpectedError: (error, method) => options.warn(`error: ${method} answered 500: ${error.message}`),
      })(app);
      mountConsole()(app);
    },
  });
  let address: AddressInfo;
  try {
    address = await http.listen(server.port, server.ip);
  } catch (error) {
    await node.close();
    throw new Error(`cannot listen on ${server.ip} port ${server.port}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  options.write(`ratchet ${node.owner}: ${describeStorage(config.storage)}`);
  options.write(`namespaces: ${node.engine.namespaces().join(", ")}`);
  for (const plan of sinkPlansOf(config))
    options.write(`sink ${plan.name}: ${describeSinkTarget(plan.target)}`);
  options.write(
    `listening on http://${hostOf(address)}:${address.port} (Automaton at ${AUTOMATON_PATH}, JSON API at ${API_PREFIX}, OpenAPI at ${OPENAPI_PATH}, console at ${CONSOLE_PATH}, health at ${HEALTH_PATH}, metrics at ${METRICS_PATH})`,
  );
  return {
    node,
    http,
    address,
    async stop() {
      await http.close({ timeoutMs: server.shutdownTimeoutMs });
      await node.close({ drainTimeoutMs: server.shutdownTimeoutMs });
    },
  };
}

/** The largest request a namespace can accept: its argument limit and room for the message around it. */
function bodyBytesMaxOf(config: RatchetConfig): number {
  const argsBytesMax = Math.max(
    ...Object.values(config.namespaces).map((namespace) => namespace.limits.argsBytesMax),
  );
  return Math.max(REQUEST_BODY_BYTES_MAX_DEFAULT, argsBytesMax + BODY_OVERHEAD_BYTES);
}

/** A JSON body holds one namespace's arguments (natural JSON is at most a few times their stored bytes) and a range. */
export function jsonBodyBytesMaxOf(config: RatchetConfig): number {
  return jsonBodyBytesMax(Object.values(config.namespaces).map((namespace) => namespace.limits.argsBytesMax));
}

function hostOf(address: AddressInfo): string {
  return address.family === "IPv6" ? `[${address.address}]` : address.address;
}
