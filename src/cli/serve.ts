/**
 * `ratchet serve --config FILE`: loads an MG-format configuration, starts the node and its HTTP server (the
 * Automaton API on `woody_server.ip`/`port`), and on a stop request stops accepting, lets requests and steps in
 * flight finish within `woody_server.shutdown_timeout`, and returns exit code 0. A bad configuration is exit 2.
 */
import type { AddressInfo } from "node:net";
import { AUTOMATON_PATH, createHttpServer, HEALTH_PATH, type RatchetHttpServer } from "../api/http-server.js";
import type { Environment, RatchetConfig } from "../config/config.js";
import { ConfigError, loadConfig } from "../config/config.js";
import type { RatchetNode } from "../runtime/create-node.js";
import { createNodeFromConfig, describeStorage } from "../runtime/node-from-config.js";
import { SystemClock } from "../runtime/system-clock.js";
import { REQUEST_BODY_BYTES_MAX_DEFAULT } from "../woody/request-reader.js";

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

/** Runs until `stopRequested` settles; returns the process exit code. */
export async function runServe(
  options: ServeOptions & { readonly stopRequested: Promise<unknown> },
): Promise<number> {
  let serving: ServingNode;
  try {
    serving = await startServing(options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    options.warn(error.message);
    return 2;
  }
  const signal = await options.stopRequested;
  options.write(
    `stopping${typeof signal === "string" ? ` on ${signal}` : ""}: draining requests and steps in flight`,
  );
  await serving.stop();
  options.write("stopped");
  return 0;
}

export async function startServing(options: ServeOptions): Promise<ServingNode> {
  const config = await loadConfig(options.configPath, options.env ?? process.env);
  for (const key of config.ignoredKeys) options.warn(`warning: ${key.path} has no effect: ${key.reason}`);
  for (const line of notAppliedYet(config)) options.warn(`warning: ${line}`);
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
  options.write(
    `listening on http://${hostOf(address)}:${address.port} (Automaton at ${AUTOMATON_PATH}, health at ${HEALTH_PATH})`,
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

/** Settings this build parses but does not act on yet, so an operator is not surprised by their silence. */
function notAppliedYet(config: RatchetConfig): string[] {
  const lines: string[] = [];
  for (const namespace of Object.values(config.namespaces)) {
    for (const sink of Object.keys(namespace.eventSinks)) {
      lines.push(
        `namespaces.${namespace.name}.event_sinks.${sink} is not applied: this build publishes no events`,
      );
    }
  }
  if (config.lifecyclePulse !== null)
    lines.push("lifecycle_pulse is not applied: this build publishes no lifecycle events");
  if (config.metrics !== null) lines.push("metrics is not applied: this build serves no metrics endpoint");
  return lines;
}

function hostOf(address: AddressInfo): string {
  return address.family === "IPv6" ? `[${address.address}]` : address.address;
}
