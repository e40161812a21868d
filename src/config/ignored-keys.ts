/**
 * MG keys that Ratchet accepts but does not act on, each with the reason, so that an MG configuration loads
 * and `ratchet serve` can warn about every setting that no longer does anything. Any other unknown key is an
 * error (typo protection).
 */
import type { Mapping } from "./document.js";
import { isMapping } from "./document.js";
import { formatConfigPath } from "./errors.js";

/** A key that was accepted and has no effect. */
export interface IgnoredKey {
  /** Dotted path of the key, e.g. `consuela` or `namespaces.invoice.hibernate_timeout`. */
  readonly path: string;
  /** Why Ratchet does not use it. */
  readonly reason: string;
}

const CONSUL = "Consul-based machine registry; Ratchet fences each machine with a lease in storage";
const ERLANG_DISTRIBUTION = "Erlang distribution; Ratchet nodes coordinate only through storage";

/** Top-level keys removed unread: they configure the Erlang runtime or MG's clustering. */
export const IGNORED_TOP_LEVEL_KEYS: Readonly<Record<string, string>> = {
  erlang: "Erlang VM settings; Ratchet runs on Node.js",
  consuela: CONSUL,
  consul: CONSUL,
  cluster: ERLANG_DISTRIBUTION,
  dist_node_name: ERLANG_DISTRIBUTION,
  dist_port: ERLANG_DISTRIBUTION,
  process_registry: "Erlang process registry; storage leases take its place",
  worker: "Erlang worker start queue; Ratchet bounds its queues with core ENGINE_LIMITS",
  snowflake_machine_id: "node id for MG's snowflake notification ids, which Ratchet does not use",
};

/** MG's `limits` keys, removed unread; Ratchet's own limit keys sit beside them (see limits.ts). */
const IGNORED_LIMIT_KEYS: Readonly<Record<string, string>> = {
  process_heap: "heap ceiling of an Erlang request process",
  disk: "MG health check only",
  memory: "MG health check only",
  scheduler_tasks: "MG scheduler quota; Ratchet's is core ENGINE_LIMITS.schedulerConcurrencyMax",
};

const ERLANG_LOGGER = "Erlang logger setting; Ratchet reads only logging.level";

/** MG's `logging` keys other than `level`, removed unread. */
const IGNORED_LOGGING_KEYS: Readonly<Record<string, string>> = Object.fromEntries(
  [
    "root",
    "json_log",
    "out_type",
    "burst_limit_enable",
    "sync_mode_qlen",
    "drop_mode_qlen",
    "flush_qlen",
    "formatter",
  ].map((key) => [key, ERLANG_LOGGER]),
);

/** Namespace keys that are validated as MG would, then unused. */
const UNUSED_NAMESPACE_KEYS: Readonly<Record<string, string>> = {
  reschedule_timeout: "parsed but never used by MG either",
  hibernate_timeout: "Ratchet keeps no per-machine process to hibernate",
  unload_timeout: "Ratchet keeps no per-machine process to unload",
  shutdown_timeout: "Ratchet keeps no per-machine process; see woody_server.shutdown_timeout",
  event_stash_size: "Ratchet caches recent events itself (core ENGINE_LIMITS.historyCacheEventsMax)",
  suicide_probability: "MG chaos testing; Ratchet tests use fault points instead",
};

/** `retries.<kind>` keys that are validated as MG would, then unused. */
const UNUSED_RETRY_KEYS: Readonly<Record<string, string>> = {
  processor:
    "MG itself never read it; a failed processor call is retried under retries.timers, retries.notifications or a step's retry",
};

const LEGACY_MACHINE_SINK =
  "MG's legacy machine event sink (the retired EventSink service); use kafka or nats";

/**
 * Returns a copy of the tree without the keys Ratchet never reads, and the list of every ignored key. Keys that
 * are validated but unused stay in the tree and are listed too.
 */
export function setIgnoredKeysAside(tree: Mapping): { tree: Mapping; ignoredKeys: IgnoredKey[] } {
  const ignoredKeys: IgnoredKey[] = [];
  const note = (path: readonly PropertyKey[], reason: string) =>
    ignoredKeys.push({ path: formatConfigPath(path), reason });
  const without = (
    mapping: Mapping,
    path: readonly PropertyKey[],
    ignored: Readonly<Record<string, string>>,
  ) =>
    Object.fromEntries(
      Object.entries(mapping).filter(([key]) => {
        const reason = Object.hasOwn(ignored, key) ? ignored[key] : undefined;
        if (reason !== undefined) note([...path, key], reason);
        return reason === undefined;
      }),
    );
  const kept: Record<string, unknown> = without(tree, [], IGNORED_TOP_LEVEL_KEYS);
  if (isMapping(kept.limits)) kept.limits = without(kept.limits, ["limits"], IGNORED_LIMIT_KEYS);
  if (isMapping(kept.logging)) kept.logging = without(kept.logging, ["logging"], IGNORED_LOGGING_KEYS);
  if (isMapping(kept.namespaces)) {
    kept.namespaces = Object.fromEntries(
      Object.entries(kept.namespaces).map(([name, namespace]) => [
        name,
        namespaceAside(name, namespace, note),
      ]),
    );
  }
  return { tree: kept, ignoredKeys };
}

function namespaceAside(
  name: string,
  namespace: unknown,
  note: (path: readonly PropertyKey[], reason: string) => void,
): unknown {
  if (!isMapping(namespace)) return namespace;
  const path = ["namespaces", name];
  for (const key of Object.keys(namespace)) {
    const reason = Object.hasOwn(UNUSED_NAMESPACE_KEYS, key) ? UNUSED_NAMESPACE_KEYS[key] : undefined;
    if (reason !== undefined && namespace[key] !== null) note([...path, key], reason);
  }
  const retries = isMapping(namespace.retries) ? namespace.retries : {};
  for (const key of Object.keys(retries)) {
    const reason = Object.hasOwn(UNUSED_RETRY_KEYS, key) ? UNUSED_RETRY_KEYS[key] : undefined;
    if (reason !== undefined && retries[key] !== null) note([...path, "retries", key], reason);
  }
  if (!isMapping(namespace.event_sinks)) return namespace;
  const sinks = Object.entries(namespace.event_sinks).filter(([sinkName, sink]) => {
    const legacy = isMapping(sink) && sink.type === "machine";
    if (legacy) note([...path, "event_sinks", sinkName], LEGACY_MACHINE_SINK);
    return !legacy;
  });
  return { ...namespace, event_sinks: Object.fromEntries(sinks) };
}
