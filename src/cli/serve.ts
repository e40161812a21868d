/**
 * `ratchet serve --config FILE`: loads an MG-format configuration, starts the node and its HTTP server (the
 * Automaton API on `woody_server.ip`/`port`), and on a stop request fails readiness, stops taking work, lets steps
 * and requests in flight finish within `woody_server.shutdown_timeout`, and returns exit code 0. A bad
 * configuration is exit 2.
 */
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import type { DestinationStream } from "pino";
import type { Environment, RatchetConfig } from "../config/config.js";
import { loadConfig } from "../config/config.js";
import { aroundRequests } from "../engine/around-requests.js";
import { mountAccess } from "../http/access/access-control.js";
import { API_PREFIX, jsonBodyBytesMax, mountJsonApi, OPENAPI_PATH } from "../http/api/json-api.js";
import { CONSOLE_PATH, mountConsole } from "../http/console/console-routes.js";
import {
  AUTOMATON_PATH,
  createHttpServer,
  HEALTH_PATH,
  METRICS_PATH,
  type RatchetHttpServer,
  READY_PATH,
} from "../http/http-server.js";
import { REQUEST_BODY_BYTES_MAX_DEFAULT } from "../mg/woody/request-reader.js";
import { bulkApiOf } from "../runtime/bulk-api.js";
import type { RatchetNode } from "../runtime/create-node.js";
import { createLogger, type Logger } from "../runtime/logger.js";
import { createNodeMetrics } from "../runtime/metrics.js";
import { createNodeFromConfig, describeStorage, unappliedSettings } from "../runtime/node-from-config.js";
import { createReadiness } from "../runtime/readiness.js";
import { describeSinkTarget, sinkPlansOf } from "../runtime/sinks-from-config.js";
import { stepLogObserver } from "../runtime/step-logs.js";
import { SystemClock } from "../runtime/system-clock.js";
import { createNodeTracing } from "../runtime/tracing.js";
import type { CliIo } from "./command-arguments.js";
import { UsageError } from "./command-arguments.js";
import { EXIT } from "./exit-codes.js";
import { accessLines, accessOptionsOf, automatonGuardOf, tlsOf } from "./serve-access.js";

export interface ServeOptions {
  readonly configPath: string;
  readonly env?: Environment;
  /** Progress lines (stdout). */
  readonly write: (line: string) => void;
  /** Warnings about the configuration at start (stderr). */
  readonly warn: (line: string) => void;
  /** Where the node's JSON log lines go (stderr unless given). */
  readonly logDestination?: DestinationStream;
}

export interface ServingNode {
  readonly node: RatchetNode;
  readonly http: RatchetHttpServer;
  readonly address: AddressInfo;
  readonly logger: Logger;
  /** The Automaton's own listener (`automaton.port`), when it has one. */
  readonly automaton?: { readonly http: RatchetHttpServer; readonly address: AddressInfo };
  /**
   * Drains: `/ready` answers 503 and the node stops taking work (the scheduler stops claiming, new requests are
   * refused with 503), steps in flight finish, then the HTTP server answers the requests it has and stops
   * listening, each within the shutdown timeout; last the relays, sinks and storage close.
   */
  stop(): Promise<void>;
}

/** Arguments above this (plus the message around them) cannot be valid, so the body cap follows the limits. */
const BODY_OVERHEAD_BYTES = 1024 * 1024;

export const SERVE_USAGE = `usage: ratchet serve --config FILE

  serves the Automaton API (woody), the JSON API, the console, /health, /ready and /metrics as the configuration
  describes, runs timers, notifications and the sinks' relays; SIGINT or SIGTERM turns /ready to 503, stops taking
  work, and drains steps and requests in flight within woody_server.shutdown_timeout. The JSON API and the console
  take bearer tokens (auth.tokens, RATCHET_TOKENS); beyond loopback without tokens they stay closed unless the file
  says auth: none`;

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
  const access = accessOptionsOf(config);
  const lines = accessLines(config, access.mode);
  for (const line of lines.warnings) options.warn(line);
  const tls = await tlsOf(config);
  const logger = createLogger({
    level: config.logging.level,
    serviceName: config.serviceName,
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  const onUnexpectedError = (error: Error, method: string) =>
    logger.error({ err: error, request: method }, "request answered 500");
  const tracing = config.tracing === null ? undefined : createNodeTracing(config.tracing);
  const node = await createNodeFromConfig(config, {
    onError: (error, context) => logger.error({ err: error, context }, "error no caller received"),
    // The audit log's line of each operator action (its row is in storage); the line is JSON after `audit `.
    onAuditLine: (line) => logger.info({ kind: "audit" }, line),
    observers:
      tracing === undefined ? [stepLogObserver(logger)] : [stepLogObserver(logger), tracing.observer],
  });
  // Requests of both edges go through one wrapper that opens their spans.
  const engine = tracing === undefined ? node.engine : aroundRequests(node.engine, tracing.aroundRequest);
  const clock = new SystemClock();
  const server = config.woodyServer;
  let draining = false;
  const ownAutomaton = config.automaton.listener;
  const common = {
    engine,
    nowUs: () => clock.nowUs(),
    connectionsMax: server.maxConcurrentConnections,
    keepAliveTimeoutMs: server.httpKeepAliveTimeoutMs,
    idleTimeoutMs: server.idleTimeoutMs,
    bodyBytesMax: bodyBytesMaxOf(config),
    onUnexpectedError,
    ...(tls === undefined ? {} : { tls }),
  };
  const http = createHttpServer({
    ...common,
    ...(ownAutomaton === null ? automatonGuardOf(config) : { automaton: false }),
    metrics: createNodeMetrics(node),
    readiness: createReadiness(node, { draining: () => draining }),
    mount: (app) => {
      mountAccess(access)(app);
      mountJsonApi({
        engine,
        queries: node.storage,
        nowUs: () => clock.nowUs(),
        bodyBytesMax: jsonBodyBytesMaxOf(config),
        onUnexpectedError,
        outbox: { sinks: node.relays.map((relay) => relay.sink.name), store: node.storage },
        bulk: bulkApiOf(node, { ratePerSecondMax: config.bulkRatePerSecondMax }),
      })(app);
      mountConsole()(app);
    },
  });
  const automatonHttp =
    ownAutomaton === null ? undefined : createHttpServer({ ...common, ...automatonGuardOf(config) });
  const listening = await listenAll(node, tracing, [
    { http, ip: server.ip, port: server.port },
    ...(automatonHttp === undefined || ownAutomaton === null
      ? []
      : [{ http: automatonHttp, ...ownAutomaton }]),
  ]);
  const [address, automatonAddress] = listening as [AddressInfo, AddressInfo | undefined];
  const scheme = tls === undefined ? "http" : "https";
  options.write(`ratchet ${node.owner}: ${describeStorage(config.storage)}`);
  options.write(`namespaces: ${node.engine.namespaces().join(", ")}`);
  for (const plan of sinkPlansOf(config))
    options.write(`sink ${plan.name}: ${describeSinkTarget(plan.target)}`);
  for (const line of lines.info) options.write(line);
  if (automatonAddress !== undefined)
    options.write(
      `Automaton on ${scheme}://${hostOf(automatonAddress)}:${automatonAddress.port}${AUTOMATON_PATH}`,
    );
  const automatonWhere = automatonAddress === undefined ? `Automaton at ${AUTOMATON_PATH}, ` : "";
  options.write(
    `listening on ${scheme}://${hostOf(address)}:${address.port} (${automatonWhere}JSON API at ${API_PREFIX}, OpenAPI at ${OPENAPI_PATH}, console at ${CONSOLE_PATH}, health at ${HEALTH_PATH}, readiness at ${READY_PATH}, metrics at ${METRICS_PATH})`,
  );
  return {
    node,
    http,
    address,
    logger,
    ...(automatonHttp === undefined || automatonAddress === undefined
      ? {}
      : { automaton: { http: automatonHttp, address: automatonAddress } }),
    async stop() {
      // Readiness fails first, so a load balancer stops sending work while the node still answers what it has.
      draining = true;
      await node.drain({ drainTimeoutMs: server.shutdownTimeoutMs });
      await Promise.all([
        http.close({ timeoutMs: server.shutdownTimeoutMs }),
        automatonHttp?.close({ timeoutMs: server.shutdownTimeoutMs }),
      ]);
      await node.close();
      await tracing?.shutdown();
      logger.flush();
    },
  };
}

/** Starts every listener; if one cannot listen, closes those started and the node, and says which failed. */
async function listenAll(
  node: RatchetNode,
  tracing: { shutdown(): Promise<void> } | undefined,
  listeners: readonly { http: RatchetHttpServer; ip: string; port: number }[],
): Promise<AddressInfo[]> {
  const addresses: AddressInfo[] = [];
  for (const listener of listeners) {
    try {
      addresses.push(await listener.http.listen(listener.port, listener.ip));
    } catch (error) {
      await Promise.all(listeners.map((started) => started.http.close({ timeoutMs: 0 })));
      await node.close();
      await tracing?.shutdown();
      throw new Error(`cannot listen on ${listener.ip} port ${listener.port}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return addresses;
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
