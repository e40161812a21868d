/**
 * A client's answer judged against the model: a success must come after its step committed and return what the
 * processor answered; a refusal must be true of some state the machine had while the request was under way; a
 * failure must be one of the three classes of DESIGN invariant 9, and "not processed" means its step never
 * commits. Returns what the answer says of the step, or the violation.
 */
import {
  DeadlineExceededError,
  LeaseLostError,
  MachineAlreadyExistsError,
  MachineAlreadyWorkingError,
  MachineFailedError,
  MachineNotFoundError,
  OverloadedError,
  ProcessorTimeoutError,
  ProcessorUnavailableError,
  RepairFailedError,
  ShuttingDownError,
  StorageRejectedError,
  StorageResultUnknownError,
  StorageUnavailableError,
} from "../../src/core/errors.js";
import type { MachineSnapshot } from "../../src/engine/engine-api.js";
import type { InvocationLog } from "./invocations.js";
import type { AnswerClass, ClientOp, MachineEntry } from "./ledger.js";
import type { ModelMachine } from "./model.js";
import { differenceOf, eventsDifference, modelOfRecord, sliceEvents, text } from "./model.js";

export type Answer =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

type Verdict = { readonly answer: AnswerClass } | { readonly violation: string };

/** Nothing was applied, nor will be: a caller may send the request again. */
const NOT_PROCESSED = [
  ProcessorUnavailableError,
  // A processor that did not answer in time may have acted, but the engine applies nothing of the step.
  ProcessorTimeoutError,
  LeaseLostError,
  StorageUnavailableError,
  StorageRejectedError,
  OverloadedError,
  ShuttingDownError,
];

export function judgeAnswer(op: ClientOp, entry: MachineEntry, log: InvocationLog, answer: Answer): Verdict {
  if (answer.ok) return judgeSuccess(op, entry, log, answer.value);
  const { error } = answer;
  if (NOT_PROCESSED.some((type) => error instanceof type)) {
    if (op.committedToken !== null || op.failedByStep)
      return { violation: `answered ${nameOf(error)} (not processed), yet its step committed` };
    if (op.notificationId !== null)
      return {
        violation: `answered ${nameOf(error)} (not processed), yet notification ${op.notificationId} was stored`,
      };
    return { answer: "not_processed" };
  }
  if (error instanceof StorageResultUnknownError || error instanceof DeadlineExceededError)
    return { answer: "result_unknown" };
  const seen = entry.states.slice(op.issueVersion);
  const refusal = refusalProblem(op, seen, log, error);
  return refusal === null ? { answer: "processed" } : { violation: refusal };
}

function judgeSuccess(op: ClientOp, entry: MachineEntry, log: InvocationLog, value: unknown): Verdict {
  const ok = { answer: "ok" } as const;
  switch (op.kind) {
    case "start":
    case "call":
    case "repair": {
      const inv = op.committedToken === null ? undefined : log.get(op.committedToken);
      if (inv === undefined) return { violation: `answered ok before any step of ${op.id} committed` };
      if (op.kind === "start") return ok;
      const expected = text(inv.result?.response ?? new Uint8Array());
      const got = text(value as Uint8Array);
      return got === expected
        ? ok
        : { violation: `answered ${got}; the committed step (${inv.token}) answered ${expected}` };
    }
    case "simpleRepair":
    case "remove": {
      if (entry.unclaimed[op.kind] === 0) return { violation: `answered ok, yet no ${op.kind} committed` };
      entry.unclaimed[op.kind] -= 1;
      op.claimed = true;
      return ok;
    }
    case "notify":
      return value === op.notificationId
        ? ok
        : { violation: `answered id ${String(value)}; the stored notification is ${op.notificationId}` };
    case "get":
      return snapshotProblem(op, entry.states.slice(op.issueVersion), value as MachineSnapshot);
  }
}

/** A refusal is true when some state seen while the request was under way calls for it. */
function refusalProblem(
  op: ClientOp,
  seen: readonly ModelMachine[],
  log: InvocationLog,
  error: unknown,
): string | null {
  const some = (test: (state: ModelMachine) => boolean) => seen.some(test);
  const invoked = (outcomes: readonly string[]) =>
    log.byOp(op.id).some((inv) => outcomes.includes(inv.outcome));
  const fits = (truth: boolean, why: string) => (truth ? null : `answered ${nameOf(error)}, but ${why}`);
  if (error instanceof MachineNotFoundError) {
    if (op.notificationId !== null) return `answered MachineNotFound, yet ${op.notificationId} was stored`;
    return fits(
      some((state) => !state.exists),
      "the machine existed all along",
    );
  }
  if (error instanceof MachineAlreadyExistsError && op.kind === "start")
    return fits(
      some((state) => state.exists),
      "the machine did not exist all along",
    );
  if (error instanceof MachineAlreadyWorkingError && (op.kind === "repair" || op.kind === "simpleRepair"))
    return fits(
      some((state) => state.exists && state.failure === null),
      "the machine was failed or absent all along",
    );
  if (error instanceof RepairFailedError && op.kind === "repair")
    return fits(invoked(["refused"]), "the processor never refused it");
  if (error instanceof MachineFailedError) {
    if (op.kind === "call") {
      const wasFailed = some((state) => state.exists && state.failure !== null);
      return fits(wasFailed || op.failedByStep, "the machine was never failed, nor failed by this call");
    }
    if (op.kind === "start" || op.kind === "repair")
      return fits(invoked(["fatal", "invalid", "poison"]), "no processor call of it failed");
  }
  return `answered ${nameOf(error)}, which is no answer a ${op.kind} may get: ${messageOf(error)}`;
}

/** A read must show one committed state seen while it was under way: the record and the range's slice. */
function snapshotProblem(op: ClientOp, seen: readonly ModelMachine[], snapshot: MachineSnapshot): Verdict {
  const history = snapshot.history.map((event) => ({ ...event, data: text(event.data) }));
  let closest = "no state";
  for (const state of seen) {
    if (!state.exists) continue;
    const record = differenceOf(
      { ...state, events: [] },
      { ...modelOfRecord(snapshot.record, []), events: [] },
    );
    const difference =
      record ??
      (snapshot.record.lastEventId === state.events.length
        ? eventsDifference(sliceEvents(state.events, op.range), history)
        : `last event ${snapshot.record.lastEventId}, model ${state.events.length}`);
    if (difference === null) return { answer: "ok" };
    closest = difference;
  }
  return { violation: `read a machine that matches no committed state (last difference: ${closest})` };
}

export function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
