/**
 * Which storage a CLI command works on: the one a configuration file names (`--config FILE`), or an SQLite file
 * (`--db PATH`). Commands never change the PostgreSQL schema by the way: only `ratchet migrate` does, so an
 * outdated schema is refused with a hint to run it.
 */
import { existsSync } from "node:fs";
import type { RatchetConfig } from "../config/config.js";
import { loadConfig } from "../config/config.js";
import type { StorageConfig } from "../config/schema.js";
import { NamespaceNotFoundError } from "../core/errors.js";
import { openStorage } from "../runtime/create-node.js";
import { describeStorage, storageChoiceOf } from "../runtime/node-from-config.js";
import { SystemClock } from "../runtime/system-clock.js";
import type { Storage } from "../storage/storage.js";
import type { CliIo } from "./command-arguments.js";
import { UsageError } from "./command-arguments.js";

/** The SQLite file a command should read does not exist. Exit code 2: the path is wrong, or nothing ran yet. */
export class StorageMissingError extends Error {
  readonly code = "storage_missing";
}

/** The parseArgs options every storage-reaching command takes. */
export const STORAGE_OPTIONS = {
  config: { type: "string" },
  db: { type: "string" },
} as const;

export const STORAGE_USAGE = "(--config FILE | --db PATH)";

export interface StorageTarget {
  /** The configuration, when the command was given one. */
  readonly config: RatchetConfig | null;
  readonly storage: StorageConfig;
  /** `SQLite database at …`, `PostgreSQL database at … (schema …)`, without a password. */
  readonly description: string;
}

export async function storageTargetOf(
  values: { readonly config?: string | undefined; readonly db?: string | undefined },
  io: CliIo,
): Promise<StorageTarget> {
  if (values.config !== undefined && values.db !== undefined) {
    throw new UsageError("give --config FILE or --db PATH, not both");
  }
  if (values.config !== undefined) {
    const config = await loadConfig(values.config, io.env);
    return { config, storage: config.storage, description: describeStorage(config.storage) };
  }
  if (values.db !== undefined) {
    const storage: StorageConfig = { type: "sqlite", path: values.db };
    return { config: null, storage, description: describeStorage(storage) };
  }
  throw new UsageError("needs --config FILE or --db PATH");
}

/** A configuration is needed where the command runs processors or names sinks; --db alone cannot say. */
export function requireConfig(target: StorageTarget, why: string): RatchetConfig {
  if (target.config === null) throw new UsageError(`needs --config FILE: ${why}`);
  return target.config;
}

/** With a configuration, the namespace must be one of its namespaces; an SQLite file alone cannot tell. */
export function checkNamespace(target: StorageTarget, namespace: string): void {
  if (target.config !== null && target.config.namespaces[namespace] === undefined) {
    throw new NamespaceNotFoundError(namespace);
  }
}

/**
 * Opens the storage to read it. An SQLite file that does not exist is refused rather than created empty
 * (a mistyped path would otherwise read as "no machines").
 */
export async function openExistingStorage(target: StorageTarget): Promise<Storage> {
  const { storage } = target;
  if (storage.type === "sqlite" && storage.path !== ":memory:" && !existsSync(storage.path)) {
    throw new StorageMissingError(
      `there is no SQLite database at ${storage.path} (ratchet migrate or the first node creates it)`,
    );
  }
  return openStorage(storageChoiceOf(storage, { migrate: false }), new SystemClock());
}
