/**
 * Operating errors: every failure a caller may see, each a class with a stable string `code` and the class of
 * failure it is for the caller's step. Edges (Thrift, JSON, CLI) map these one-to-one; programmer errors are
 * assertions instead.
 */

/**
 * What a failed request tells its caller about its step (DESIGN invariant 9). Each edge answers the three
 * classes distinctly: woody 503 / 504 / a business exception or 500; JSON 503 / 504 / 4xx.
 */
export type FailureClass =
  /** Nothing was applied: the caller may send the same request again. */
  | "not_processed"
  /** The step may have been applied (a commit in flight when storage went away, a deadline that passed while
   * the step ran): the caller must read the machine before it decides to send the request again. */
  | "result_unknown"
  /** The request was handled and refused (not found, failed machine, bad input): sending it again changes
   * nothing until something else changes. */
  | "processed";

export abstract class RatchetError extends Error {
  abstract readonly code: string;
  /** The class of this failure for the caller's step; see FailureClass. */
  readonly failureClass: FailureClass = "processed";
  /** A transient error may succeed when retried; a caller can tell it from a final answer. */
  get transient(): boolean {
    return this.failureClass !== "processed";
  }

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NamespaceNotFoundError extends RatchetError {
  readonly code = "namespace_not_found";
  constructor(readonly namespace: string) {
    super(`namespace ${JSON.stringify(namespace)} is not configured`);
  }
}

export class MachineNotFoundError extends RatchetError {
  readonly code = "machine_not_found";
  constructor(
    readonly namespace: string,
    readonly machineId: string,
  ) {
    super(`machine ${JSON.stringify(machineId)} does not exist in namespace ${JSON.stringify(namespace)}`);
  }
}

export class MachineAlreadyExistsError extends RatchetError {
  readonly code = "machine_already_exists";
  constructor(
    readonly namespace: string,
    readonly machineId: string,
  ) {
    super(`machine ${JSON.stringify(machineId)} already exists in namespace ${JSON.stringify(namespace)}`);
  }
}

/** The machine is failed, or became failed while serving this request. */
export class MachineFailedError extends RatchetError {
  readonly code = "machine_failed";
  constructor(
    readonly namespace: string,
    readonly machineId: string,
    readonly reason: string,
  ) {
    super(
      `machine ${JSON.stringify(machineId)} in namespace ${JSON.stringify(namespace)} is failed: ${reason}`,
    );
  }
}

/**
 * The machine is paused (its retries ran out under a pausing policy, or an operator paused it): calls are refused
 * rather than queued, so no caller hangs waiting for an operator; notifications are kept and delivered on resume.
 */
export class MachinePausedError extends RatchetError {
  readonly code = "machine_paused";
  constructor(
    readonly namespace: string,
    readonly machineId: string,
    readonly reason: string,
  ) {
    super(
      `machine ${JSON.stringify(machineId)} in namespace ${JSON.stringify(namespace)} is paused: ${reason}`,
    );
  }
}

/** Resume was asked of a machine that is not paused, or retry-now of one with no pending step. */
export class MachineNotPausedError extends RatchetError {
  readonly code = "machine_not_paused";
  constructor(
    readonly namespace: string,
    readonly machineId: string,
    readonly expected: "paused" | "waiting or retrying",
  ) {
    super(
      `machine ${JSON.stringify(machineId)} in namespace ${JSON.stringify(namespace)} is not ${expected}`,
    );
  }
}

/** Repair was asked of a machine that is not failed. */
export class MachineAlreadyWorkingError extends RatchetError {
  readonly code = "machine_already_working";
  constructor(
    readonly namespace: string,
    readonly machineId: string,
  ) {
    super(`machine ${JSON.stringify(machineId)} in namespace ${JSON.stringify(namespace)} is not failed`);
  }
}

/** The processor refused a repair with a business reason; the machine stays failed. */
export class RepairFailedError extends RatchetError {
  readonly code = "repair_failed";
  constructor(readonly reason: Uint8Array) {
    super("the processor refused the repair");
  }
}

/** Input that breaks a documented rule (bad id, bad range, malformed argument); nothing was changed. */
export class InvalidRequestError extends RatchetError {
  readonly code = "invalid_request";
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** Input larger than a configured limit; nothing was changed. */
export class LimitExceededError extends RatchetError {
  readonly code = "limit_exceeded";
  constructor(
    readonly limit: string,
    readonly actual: number,
    readonly maximum: number,
  ) {
    super(`${limit} is ${actual}, above the maximum of ${maximum}`);
  }
}

export class NotificationNotFoundError extends RatchetError {
  readonly code = "notification_not_found";
  constructor(readonly notificationId: string) {
    super(`notification ${JSON.stringify(notificationId)} does not exist`);
  }
}

/** An idempotency key already names another request (another machine, operation or body); nothing was done. */
export class IdempotencyKeyReusedError extends RatchetError {
  readonly code = "idempotency_key_reused";
  constructor(
    readonly namespace: string,
    readonly key: string,
  ) {
    super(`idempotency key ${JSON.stringify(key)} in ${JSON.stringify(namespace)} names another request`);
  }
}

/** A request with this idempotency key is still running; this one was not processed: retry once it is done. */
export class IdempotencyKeyInFlightError extends RatchetError {
  readonly code = "idempotency_key_in_flight";
  override readonly failureClass = "not_processed";
  constructor(
    readonly namespace: string,
    readonly key: string,
  ) {
    super(`a request with idempotency key ${JSON.stringify(key)} in ${JSON.stringify(namespace)} is running`);
  }
}

/** What a processor may add to a transient failure: when to call again, and a class of its own. */
export interface ProcessorFailureOptions extends ErrorOptions {
  /** Do not call again before this many milliseconds (HTTP Retry-After). */
  readonly retryAfterMs?: number;
  /** The processor's own name for the failure, which a retry policy may list as non-retryable. */
  readonly processorErrorClass?: string;
}

/** The processor could not be reached or said it could not serve; nothing was applied. */
export class ProcessorUnavailableError extends RatchetError {
  override readonly failureClass = "not_processed";
  readonly code = "processor_unavailable";
  /** How long the processor asked not to be called again (an HTTP `Retry-After`), when it said; ms. */
  readonly retryAfterMs: number | undefined;
  readonly processorErrorClass: string | undefined;
  constructor(message: string, options: ProcessorFailureOptions = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
    this.processorErrorClass = options.processorErrorClass;
  }
}

/** The processor did not answer in time; it may or may not have acted, nothing was applied. */
export class ProcessorTimeoutError extends RatchetError {
  override readonly failureClass = "result_unknown";
  readonly code = "processor_timeout";
  readonly retryAfterMs: number | undefined;
  readonly processorErrorClass: string | undefined;
  constructor(message: string, options: ProcessorFailureOptions = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
    this.processorErrorClass = options.processorErrorClass;
  }
}

/** What a retry policy reads of a transient failure: a Retry-After, and its classes (its code, the processor's). */
export function failureHintsOf(error: Error): { retryAfterMs?: number; errorClasses: string[] } {
  const classes = error instanceof RatchetError ? [error.code] : [];
  if (error instanceof ProcessorUnavailableError || error instanceof ProcessorTimeoutError) {
    if (error.processorErrorClass !== undefined) classes.push(error.processorErrorClass);
    if (error.retryAfterMs !== undefined) return { retryAfterMs: error.retryAfterMs, errorClasses: classes };
  }
  return { errorClasses: classes };
}

/** The processor answered with something that breaks the contract; the machine fails with this reason. */
export class ProcessorResultInvalidError extends RatchetError {
  readonly code = "processor_result_invalid";
}

/** The processor failed in a way nobody planned for (an error reply, a crash); the machine fails. */
export class ProcessorFailedError extends RatchetError {
  readonly code = "processor_failed";
}

/** The request's deadline passed before its step could commit; the step may still complete later. */
export class DeadlineExceededError extends RatchetError {
  override readonly failureClass = "result_unknown";
  readonly code = "deadline_exceeded";
}

/** Storage could not be reached; nothing was committed by this attempt. */
export class StorageUnavailableError extends RatchetError {
  override readonly failureClass = "not_processed";
  readonly code = "storage_unavailable";
}

/**
 * A write was in flight when the connection to storage broke (a COMMIT sent, no answer): it may or may not have
 * been applied. Never reported as StorageUnavailableError, whose promise is that nothing was written.
 */
export class StorageResultUnknownError extends RatchetError {
  readonly code = "storage_result_unknown";
  override readonly failureClass = "result_unknown";
}

/**
 * Storage refused this step's writes for a reason of its own (a value it cannot hold, a broken invariant), and
 * nothing of it was committed; the steps it shared a transaction with were committed without it.
 */
export class StorageRejectedError extends RatchetError {
  readonly code = "storage_rejected";
  override readonly failureClass = "not_processed";
}

/** This node no longer holds the machine's lease: its step is discarded and another node takes over. */
export class LeaseLostError extends RatchetError {
  readonly code = "lease_lost";
  override readonly failureClass = "not_processed";
  constructor(
    readonly namespace: string,
    readonly machineId: string,
  ) {
    super(`the lease on machine ${JSON.stringify(machineId)} in ${JSON.stringify(namespace)} was lost`);
  }
}

/** No bulk run has this id. */
export class BulkRunNotFoundError extends RatchetError {
  readonly code = "bulk_not_found";
  constructor(readonly runId: string) {
    super(`no bulk run has the id ${JSON.stringify(runId)}`);
  }
}

/** This node no longer holds the bulk run's lease: another node drives it now; this one records nothing more. */
export class BulkRunLeaseLostError extends RatchetError {
  readonly code = "bulk_run_lease_lost";
  override readonly failureClass = "not_processed";
  constructor(readonly runId: string) {
    super(`the lease on bulk run ${JSON.stringify(runId)} was lost`);
  }
}

/** A bounded queue is full; the caller should back off and retry. */
export class OverloadedError extends RatchetError {
  override readonly failureClass = "not_processed";
  readonly code = "overloaded";
}

/** The engine is shutting down and takes no new work. */
export class ShuttingDownError extends RatchetError {
  readonly code = "shutting_down";
  override readonly failureClass = "not_processed";
  constructor() {
    super("the engine is shutting down");
  }
}

/** Turns any thrown value into an Error, so a catch can always read `message` and `cause`. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === "string" ? thrown : `non-error thrown: ${String(thrown)}`, {
    cause: thrown,
  });
}
