/**
 * The one table from the engine's typed errors to MG's answers on the Automaton edge (machinegun-protocol.md §3.8,
 * STYLE rule 20). A declared exception is answered only by a method that declares it (§2.4.5); any other method
 * gets a system error instead, which is how MG answers `Start` with an invalid id (500 Result Unexpected).
 *
 * Bad input that decodes (a negative history `limit`, arguments above `args_bytes_max`, a too long id on `Start`)
 * is answered 500 Result Unexpected with the reason: that is what an Erlang handler crashing on it produces, and a
 * woody client classifies 400 and 500 alike (§3.7). 400 stays what woody makes it: a body that does not decode,
 * which includes an unknown `direction` value, refused by the router before any handler runs.
 */
import {
  coerceError,
  InvalidRequestError,
  LimitExceededError,
  MachineAlreadyExistsError,
  MachineAlreadyWorkingError,
  MachineFailedError,
  MachineNotFoundError,
  MachinePausedError,
  NamespaceNotFoundError,
  RatchetError,
  RepairFailedError,
} from "../../core/errors.js";
import { payloadToValue } from "../machine-to-thrift.js";
import { MG_SCHEMA, stateProcessing } from "../thrift/generated/index.js";
import { shortName } from "../thrift/message.js";
import { serviceSchemaOf } from "../thrift/schema.js";
import type { WoodyErrorClass } from "../woody/errors.js";
import { WoodyBusinessError, WoodySystemError } from "../woody/errors.js";

export type AutomatonMethod = keyof stateProcessing.AutomatonMethods & string;

/** The exception type names each Automaton method declares, read from the IDL's `throws` lists. */
const DECLARED_EXCEPTIONS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.values(serviceSchemaOf(MG_SCHEMA, stateProcessing.SERVICE.Automaton).functions).map((method) => [
    method.name,
    new Set(
      method.result.fields.flatMap((field) =>
        field.id !== 0 && field.type.kind === "struct" ? [shortName(field.type.name)] : [],
      ),
    ),
  ]),
);

/** `LimitExceededError.limit` of an id over `machine_id_bytes_max` (core/ids.ts). */
const MACHINE_ID_LIMIT = "machine id bytes";

type Answer =
  | { readonly kind: "business"; readonly typeName: string; readonly exception?: object }
  | { readonly kind: "system"; readonly errorClass: WoodyErrorClass; readonly details: string };

/**
 * What `method` answers for `thrown`: a WoodyBusinessError for a declared exception, a WoodySystemError
 * (503 resource unavailable, 504 result unknown, 500 result unexpected) for everything else.
 */
export function automatonErrorOf(
  method: AutomatonMethod,
  thrown: unknown,
): WoodyBusinessError | WoodySystemError {
  const error = coerceError(thrown);
  if (error instanceof WoodyBusinessError || error instanceof WoodySystemError) return error;
  const answer = answerOf(error);
  if (answer.kind === "system") {
    return new WoodySystemError(answer.errorClass, "internal", answer.details, { cause: error });
  }
  if (!DECLARED_EXCEPTIONS.get(method)?.has(answer.typeName)) {
    const details = `${method} does not declare ${answer.typeName}: ${error.message}`;
    return new WoodySystemError("result unexpected", "internal", details, { cause: error });
  }
  return new WoodyBusinessError(answer.typeName, answer.exception ?? {});
}

/**
 * The table itself, before the declared-exceptions check. Business errors first; then each failure class of
 * DESIGN's invariant 9 has its one woody class: not processed → 503 resource unavailable (a woody client
 * retries it), result unknown → 504 result unknown (it must not retry blindly: the step may have committed),
 * anything else → 500 result unexpected.
 */
function answerOf(error: Error): Answer {
  if (error instanceof NamespaceNotFoundError) return business("NamespaceNotFound");
  if (error instanceof MachineNotFoundError || isInvalidMachineId(error)) return business("MachineNotFound");
  if (error instanceof MachineAlreadyExistsError) return business("MachineAlreadyExists");
  // MG has no paused status: a paused machine reads as failed, and a call to it gets MachineFailed.
  if (error instanceof MachineFailedError || error instanceof MachinePausedError)
    return business("MachineFailed");
  if (error instanceof MachineAlreadyWorkingError) return business("MachineAlreadyWorking");
  if (error instanceof RepairFailedError) return repairFailed(error);
  if (error instanceof InvalidRequestError || error instanceof LimitExceededError) {
    return system("result unexpected", `invalid request: ${error.message}`);
  }
  if (error instanceof RatchetError && error.failureClass === "not_processed") {
    return system("resource unavailable", error.message);
  }
  if (error instanceof RatchetError && error.failureClass === "result_unknown") {
    return system("result unknown", error.message);
  }
  return system("result unexpected", error.message);
}

/** MG answers an invalid id (empty, too long) as a missing machine (`{logic, {invalid_machine_id, _}}`). */
function isInvalidMachineId(error: Error): boolean {
  if (error instanceof InvalidRequestError) return error.field === "id";
  return error instanceof LimitExceededError && error.limit === MACHINE_ID_LIMIT;
}

/** The processor's reason goes back as the Value it sent; stored bytes that are no Value are a 500. */
function repairFailed(error: RepairFailedError): Answer {
  try {
    return business("RepairFailed", { reason: payloadToValue(error.reason, "RepairFailed.reason") });
  } catch (decodeError) {
    return system(
      "result unexpected",
      `repair refused with an unreadable reason: ${coerceError(decodeError).message}`,
    );
  }
}

function business(typeName: string, exception?: object): Answer {
  return exception === undefined ? { kind: "business", typeName } : { kind: "business", typeName, exception };
}

function system(errorClass: WoodyErrorClass, details: string): Answer {
  return { kind: "system", errorClass, details };
}
