/**
 * One machine of a bulk run: the run's action applied through the engine's operator operation of the same name,
 * under the run's actor, and what came of it as the outcome to record. A machine removed after the walk read it
 * is skipped; any other refusal or failure is the outcome `failed` with the error's code and message.
 */

import { boundedText } from "../../core/audit.js";
import type { BulkAction } from "../../core/bulk.js";
import { coerceError, MachineNotFoundError, RatchetError } from "../../core/errors.js";
import { BULK_DEFAULTS } from "../../core/limits.js";
import type { Payload } from "../../core/machine.js";
import type { BulkOutcome } from "../../storage/bulk-store.js";
import type { EngineApi, RequestOptions } from "../engine-api.js";

/** The arguments of a repair or notification whose run names none: msgpack nil. */
const NIL_PAYLOAD: Payload = Uint8Array.of(0xc0);

export interface BulkTarget {
  readonly namespace: string;
  readonly machineId: string;
  readonly action: BulkAction;
  readonly args: Payload | null;
  readonly actor: string;
}

async function applyAction(engine: EngineApi, target: BulkTarget): Promise<void> {
  const { namespace, machineId } = target;
  const options: RequestOptions = { actor: target.actor };
  switch (target.action) {
    case "simple_repair":
      return engine.simpleRepair(namespace, machineId, options);
    case "repair":
      await engine.repair(namespace, machineId, target.args ?? NIL_PAYLOAD, options);
      return;
    case "resume":
      return engine.resume(namespace, machineId, options);
    case "retry_now":
      return engine.retryNow(namespace, machineId, options);
    case "notify":
      await engine.notify(namespace, machineId, target.args ?? NIL_PAYLOAD, options);
      return;
  }
}

/** Applies the action and returns the outcome; `unexpected` is an error no typed error explains (reported). */
export async function actOnMachine(
  engine: EngineApi,
  target: BulkTarget,
  nowUs: () => number,
): Promise<{ outcome: BulkOutcome; unexpected?: Error }> {
  const machineId = target.machineId;
  try {
    await applyAction(engine, target);
    return { outcome: { machineId, outcome: "ok", errorCode: null, detail: null, atUs: nowUs() } };
  } catch (error) {
    const kind = error instanceof MachineNotFoundError ? "skipped" : "failed";
    const typed = error instanceof RatchetError;
    const coerced = coerceError(error);
    const outcome: BulkOutcome = {
      machineId,
      outcome: kind,
      errorCode: typed ? error.code : "internal_error",
      // boundedText: a NUL in a message would make PostgreSQL refuse the outcome's row.
      detail: boundedText(coerced.message, BULK_DEFAULTS.outcomeDetailCharactersMax),
      atUs: nowUs(),
    };
    return typed ? { outcome } : { outcome, unexpected: coerced };
  }
}
