/**
 * What the journal records of a step, as pure functions: the attempt a work item starts (its kind, name and
 * attempt number), the entry a commit writes, and how an attempt that ended without a commit is recorded.
 */
import {
  LeaseLostError,
  OverloadedError,
  ProcessorTimeoutError,
  ProcessorUnavailableError,
  RatchetError,
  ShuttingDownError,
  StorageRejectedError,
  StorageUnavailableError,
} from "../core/errors.js";
import type { JournalDraft, JournalKind, JournalOutcome } from "../core/journal.js";
import { boundedErrorText } from "../core/journal.js";
import type { MachineRecord } from "../core/machine.js";
import type { JournaledAttempt } from "./step-run.js";
import type { Work } from "./work.js";

const OPERATOR_KINDS: Partial<Record<Work["kind"], JournalKind>> = {
  simpleRepair: "simple_repair",
  remove: "remove",
  modernize: "modernize",
  pause: "pause",
  resume: "resume",
  retryNow: "retry_now",
};

/** The attempt a work item starts on a machine whose record is `record` (null: not created yet). */
export function attemptOf(work: Work, record: MachineRecord | null, nowUs: number): JournaledAttempt {
  const started = { startedAtUs: nowUs, processor: null, committed: false };
  switch (work.kind) {
    case "start":
      return { ...started, kind: "init", name: "init", attempt: 1 };
    case "timer":
      return {
        ...started,
        kind: "timer",
        name: record?.timer?.step ?? "timer",
        attempt: (record?.retry?.attempt ?? 0) + 1,
      };
    case "notification":
      return {
        ...started,
        kind: "notification",
        name: "notification",
        attempt: work.notification.attempt + 1,
      };
    case "call":
    case "repair":
      return { ...started, kind: work.kind, name: work.kind, attempt: 1 };
    default: {
      const kind = OPERATOR_KINDS[work.kind] as JournalKind;
      return { ...started, kind, name: kind, attempt: 1 };
    }
  }
}

/** The entry of an attempt that ends now, with its outcome and, when it failed, its error. */
export function journalDraftOf(
  attempt: JournaledAttempt,
  options: { outcome: JournalOutcome; error?: Error; eventsAppended: number; endedAtUs: number },
): JournalDraft {
  const { error } = options;
  return {
    kind: attempt.kind,
    name: attempt.name,
    processor: attempt.processor,
    attempt: attempt.attempt,
    startedAtUs: attempt.startedAtUs,
    endedAtUs: options.endedAtUs,
    outcome: options.outcome,
    errorClass: error === undefined ? null : errorClassOf(error),
    errorText: error === undefined ? null : boundedErrorText(error.message),
    eventsAppended: options.eventsAppended,
  };
}

/** How an attempt that did not commit is recorded; null when it need not be (a refusal before any work). */
export function uncommittedOutcomeOf(error: unknown): JournalOutcome | null {
  if (error instanceof LeaseLostError) return "lease_lost";
  if (error instanceof ProcessorUnavailableError || error instanceof ProcessorTimeoutError)
    return "transient_error";
  if (
    error instanceof StorageRejectedError ||
    error instanceof StorageUnavailableError ||
    error instanceof OverloadedError ||
    error instanceof ShuttingDownError
  ) {
    return "refused";
  }
  return null;
}

/** The code of a typed error, else its class name: what the journal and the observers record of a failure. */
export function errorClassOf(error: Error): string {
  return error instanceof RatchetError ? error.code : error.name;
}
