/**
 * The top level of the configuration: the woody server, storage, the lease duration, limits, Kafka clients,
 * lifecycle events, logging, metrics and the namespaces. MG keys that Ratchet ignores are removed before this schema runs.
 */

import { z } from "zod";
import { BULK_DEFAULTS } from "../core/limits.js";
import { AUTH_SCHEMA, AUTOMATON_SCHEMA, HTTP_SCHEMA } from "./access.js";
import { kafkaClientSchema } from "./kafka.js";
import { limitsSchema } from "./limits.js";
import { namespaceSchema } from "./namespace.js";
import { OPENTELEMETRY } from "./opentelemetry.js";
import {
  durationMs,
  integer,
  ipAddress,
  oneOf,
  port,
  reject,
  sizeBytes,
  sqlIdentifier,
  text,
  url,
} from "./values.js";

export interface WoodyServerConfig {
  /** Address the Thrift (woody) API listens on (MG: `::`, all interfaces). */
  readonly ip: string;
  /** Port it listens on (MG: 8022). */
  readonly port: number;
  /** Connections served at once (MG: 1024). */
  readonly maxConcurrentConnections: number;
  /** How long a connection may wait for its next request, ms (MG: 5 s). */
  readonly httpKeepAliveTimeoutMs: number;
  /** How long an idle connection is kept, ms; null for no limit (MG: infinity). */
  readonly idleTimeoutMs: number | null;
  /** How long a graceful stop waits for requests in flight, ms (MG: 5 s). */
  readonly shutdownTimeoutMs: number;
}

export type StorageConfig =
  /** The embedded store; `:memory:` for a throwaway one. */
  | { readonly type: "sqlite"; readonly path: string }
  /** PostgreSQL. */
  | {
      readonly type: "postgres";
      /** Connection URL, `postgres://user:password@host:port/database`. */
      readonly url: string;
      /** Connections in the pool (default 10). */
      readonly poolSize: number;
      /** Schema holding Ratchet's tables (default `ratchet`). */
      readonly schema: string;
    };

export const SQLITE_DEFAULT_PATH = "./data/ratchet.db";

export interface LifecyclePulseConfig {
  /** Topic of machine lifecycle events. */
  readonly topic: string;
  /** A client defined under `kafka`. */
  readonly client: string;
}

export type LogLevel = "critical" | "error" | "warning" | "info" | "debug" | "trace";

export interface LoggingConfig {
  /** The least severe level written (MG: info). */
  readonly level: LogLevel;
}

export interface MetricsConfig {
  /** Port of the Prometheus `/metrics` endpoint. */
  readonly port: number;
}

const WOODY_SERVER = z
  .strictObject({
    ip: ipAddress().prefault("::"),
    port: port().prefault(8022),
    max_concurrent_connections: integer({ min: 1 }).prefault(1024),
    http_keep_alive_timeout: durationMs().prefault("5s"),
    idle_timeout: durationMs({ infinity: true }).prefault("infinity"),
    shutdown_timeout: durationMs().prefault("5s"),
  })
  .prefault({})
  .transform(
    (server): WoodyServerConfig => ({
      ip: server.ip,
      port: server.port,
      maxConcurrentConnections: server.max_concurrent_connections,
      httpKeepAliveTimeoutMs: server.http_keep_alive_timeout,
      idleTimeoutMs: Number.isFinite(server.idle_timeout) ? server.idle_timeout : null,
      shutdownTimeoutMs: server.shutdown_timeout,
    }),
  );

const STORAGE = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("sqlite"), path: text().prefault(SQLITE_DEFAULT_PATH) }),
    z.strictObject({
      type: z.literal("postgres"),
      url: url(["postgres", "postgresql"]),
      pool_size: integer({ min: 1 }).prefault(10),
      schema: sqlIdentifier().prefault("ratchet"),
    }),
    // MG's in-memory store was for development; the closest here is a SQLite database in memory.
    z.strictObject({ type: z.literal("memory") }),
    // MG's Riak store: its keys are accepted so that the one problem reported is the type.
    z.looseObject({ type: z.literal("riak") }),
  ])
  .prefault({ type: "sqlite" })
  .transform((storage, context): StorageConfig => {
    switch (storage.type) {
      case "sqlite":
        return storage;
      case "memory":
        return { type: "sqlite", path: ":memory:" };
      case "postgres":
        return { type: "postgres", url: storage.url, poolSize: storage.pool_size, schema: storage.schema };
      case "riak":
        context.addIssue({
          code: "custom",
          path: ["type"],
          message: "riak is not supported: use sqlite or postgres",
        });
        return z.NEVER as never;
    }
  });

const LIFECYCLE_PULSE = z.strictObject({ topic: text(), client: text() });

const LOGGING = z
  .strictObject({ level: oneOf(["critical", "error", "warning", "info", "debug", "trace"]).prefault("info") })
  .prefault({});

const METRICS = z.strictObject({ port: port() });

export const CONFIG_SCHEMA = z.strictObject({
  service_name: text().prefault("ratchet"),
  // Ratchet extension: how long a node's claim on a machine lasts without renewal (the engine's 30 s default).
  lease_duration: durationMs({ positive: true }).prefault("30s"),
  // Ratchet extension: how long a node keeps a machine's lease after a request for the next one (0 releases it).
  lease_warm: durationMs().prefault("500ms"),
  // Ratchet extension: how long the JSON API's idempotency keys are kept after their request (24 h by default).
  idempotency_key_retention: durationMs({ positive: true }).prefault("24h"),
  // Ratchet extension: the most machines a second a bulk run may ask for (BULK_DEFAULTS.ratePerSecondMax).
  bulk_rate_per_second_max: z
    .number()
    .min(BULK_DEFAULTS.ratePerSecondMin)
    .max(1_000_000)
    .prefault(BULK_DEFAULTS.ratePerSecondMax),
  // Ratchet extension: bytes of complete machine histories a node keeps in memory (64M by default).
  history_cache_size: sizeBytes().prefault("64M"),
  woody_server: WOODY_SERVER,
  // Ratchet extensions: bearer tokens (or `none`), the HTTP server's TLS and rate limit, the Automaton's listener.
  auth: AUTH_SCHEMA,
  http: HTTP_SCHEMA,
  automaton: AUTOMATON_SCHEMA,
  storage: STORAGE,
  limits: limitsSchema(),
  kafka: z.record(z.string(), kafkaClientSchema()).prefault({}),
  lifecycle_pulse: LIFECYCLE_PULSE.optional(),
  logging: LOGGING,
  metrics: METRICS.optional(),
  opentelemetry: OPENTELEMETRY,
  namespaces: z.record(z.string(), namespaceSchema()).transform((namespaces, context) => {
    if (Object.keys(namespaces).length === 0) return reject(context, "must define at least one namespace");
    return namespaces;
  }),
});
