/** Checks of machine ids and namespace names at the edge of the engine. */
import { InvalidRequestError, LimitExceededError } from "./errors.js";
import type { Limits } from "./limits.js";

const utf8 = new TextEncoder();

/** A machine id is 1 to `machineIdBytesMax` bytes of UTF-8 (MG: 1–1024). */
export function validateMachineId(machineId: unknown, limits: Limits): string {
  if (typeof machineId !== "string") throw new InvalidRequestError("machine id must be a string", "id");
  if (machineId.length === 0) throw new InvalidRequestError("machine id must not be empty", "id");
  // PostgreSQL text cannot hold U+0000; refusing it everywhere keeps every storage accepting the same ids.
  if (machineId.includes("\u0000")) throw new InvalidRequestError("machine id must not contain U+0000", "id");
  const bytes = utf8.encode(machineId).byteLength;
  if (bytes > limits.machineIdBytesMax)
    throw new LimitExceededError("machine id bytes", bytes, limits.machineIdBytesMax);
  return machineId;
}

/** Arguments of start, call, repair and notify are bounded like any other payload. */
export function validateArgs(args: unknown, limits: Limits): Uint8Array {
  if (!(args instanceof Uint8Array)) throw new InvalidRequestError("arguments must be bytes", "args");
  if (args.byteLength > limits.argsBytesMax)
    throw new LimitExceededError("arguments bytes", args.byteLength, limits.argsBytesMax);
  return args;
}
