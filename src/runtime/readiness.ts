/**
 * What `/ready` checks besides the HTTP server: the node is not draining, its storage answers (one cheap statement
 * that also reads the schema version, bounded by a timeout so a probe never hangs), the schema is the version this
 * binary needs, and every outbox relay is leading or following (one backing off cannot reach its sink).
 */
import { coerceError } from "../core/errors.js";
import type { ReadinessCheck, ReadinessChecks } from "../http/routes.js";
import type { SchemaVersions } from "../storage/storage.js";
import type { RatchetNode } from "./create-node.js";

/** A storage that has not answered within this is reported unreachable (probes commonly time out after 1-5 s). */
export const READINESS_STORAGE_TIMEOUT_MS = 2000;

const RELAY_READY_MODES: ReadonlySet<string> = new Set(["leading", "following"]);

export function createReadiness(
  node: Pick<RatchetNode, "storage" | "relays">,
  options: { readonly draining: () => boolean },
): () => Promise<ReadinessChecks> {
  return async function checkReadiness() {
    const draining: ReadinessCheck = options.draining()
      ? { ok: false, detail: "draining: the node takes no new work" }
      : { ok: true, detail: "taking work" };
    const versions = await readVersions(node);
    return {
      draining,
      storage:
        versions instanceof Error
          ? { ok: false, detail: `unreachable: ${versions.message}` }
          : { ok: true, detail: "reachable" },
      migrations: migrationsCheckOf(versions),
      relays: relaysCheckOf(node.relays),
    };
  };
}

async function readVersions(node: Pick<RatchetNode, "storage">): Promise<SchemaVersions | Error> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Error>((resolve) => {
    timer = setTimeout(
      () => resolve(new Error(`no answer within ${READINESS_STORAGE_TIMEOUT_MS} ms`)),
      READINESS_STORAGE_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([node.storage.readSchemaVersions(), timedOut]);
  } catch (error) {
    return coerceError(error);
  } finally {
    clearTimeout(timer);
  }
}

function migrationsCheckOf(versions: SchemaVersions | Error): ReadinessCheck {
  if (versions instanceof Error) return { ok: false, detail: "not known: the storage is unreachable" };
  const { applied, expected } = versions;
  if (applied === expected) return { ok: true, detail: `schema version ${applied}` };
  return { ok: false, detail: `schema version ${applied}; this Ratchet needs ${expected}` };
}

function relaysCheckOf(relays: RatchetNode["relays"]): ReadinessCheck {
  const modes = relays.map((relay) => `${relay.sink.name} ${relay.stats.mode}`);
  const ok = relays.every((relay) => RELAY_READY_MODES.has(relay.stats.mode));
  return { ok, detail: modes.length === 0 ? "no sinks" : modes.join(", ") };
}
