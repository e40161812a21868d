/**
 * The node's log: pino JSON lines on stderr (stdout carries `ratchet serve`'s progress lines), at the level MG's
 * `logging.level` names. Only identifiers and outcomes are logged, never payloads, headers or credentials:
 * nothing here takes a request or a payload, and `err` is serialised to its class, code and message.
 */
import pino, { type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config/schema.js";

export type { Logger } from "pino";

/** MG's (Erlang logger's) level names as pino's. */
const PINO_LEVEL_OF: Readonly<Record<LogLevel, pino.Level>> = {
  critical: "fatal",
  error: "error",
  warning: "warn",
  info: "info",
  debug: "debug",
  trace: "trace",
};

export interface LoggerOptions {
  readonly level: LogLevel;
  /** The `service` field of every line (MG's `service_name`). */
  readonly serviceName: string;
  /** Where the lines go; stderr unless given (tests capture them). */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: PINO_LEVEL_OF[options.level],
      base: { service: options.serviceName },
      // Level names rather than numbers, as log shippers and MG's JSON logs show them.
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: errorFields },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** An error as a log line shows it: class, code and message, without the stack or any attached data. */
export function errorFields(error: unknown): Record<string, string> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === "string" ? { code } : {}),
  };
}
