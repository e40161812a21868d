/**
 * The CLI's exit codes and the one table that maps an error to its code. Scripts branch on these: 0 ok,
 * 1 operational error (storage, processor or broker trouble, a failed machine, an outdated schema),
 * 2 usage or configuration error (nothing was attempted), 3 not found (namespace, machine, notification),
 * 4 the machine is paused (it waits for `machine resume`), 5 the machine is not paused (resume) or not retrying
 * (retry-now). 4 and 5 changed nothing.
 */
import { ConfigError } from "../config/errors.js";
import {
  BulkRunNotFoundError,
  InvalidRequestError,
  LimitExceededError,
  MachineNotFoundError,
  MachineNotPausedError,
  MachinePausedError,
  NamespaceNotFoundError,
  NotificationNotFoundError,
} from "../core/errors.js";
import { UsageError } from "./command-arguments.js";
import { StorageMissingError } from "./storage-target.js";

export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2, notFound: 3, paused: 4, notPaused: 5 });
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** First match wins; an error in none of these rows is operational (1). */
const EXIT_CODE_OF_ERROR: readonly (readonly [abstract new (...args: never[]) => Error, ExitCode])[] = [
  [UsageError, EXIT.usage],
  [ConfigError, EXIT.usage],
  [StorageMissingError, EXIT.usage],
  // Arguments that break a documented rule (bad JSON shape, bad id or range) or exceed a limit: nothing ran.
  [InvalidRequestError, EXIT.usage],
  [LimitExceededError, EXIT.usage],
  [NamespaceNotFoundError, EXIT.notFound],
  [MachineNotFoundError, EXIT.notFound],
  [NotificationNotFoundError, EXIT.notFound],
  [BulkRunNotFoundError, EXIT.notFound],
  [MachinePausedError, EXIT.paused],
  [MachineNotPausedError, EXIT.notPaused],
];

/** node:util parseArgs throws TypeErrors whose code starts with this (unknown option, missing value, …). */
const PARSE_ARGS_CODE_PREFIX = "ERR_PARSE_ARGS_";

export function exitCodeOf(error: unknown): ExitCode {
  for (const [errorClass, code] of EXIT_CODE_OF_ERROR) if (error instanceof errorClass) return code;
  if (isParseArgsError(error)) return EXIT.usage;
  return EXIT.failed;
}

export function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith(PARSE_ARGS_CODE_PREFIX);
}
