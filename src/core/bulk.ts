/**
 * Bulk operations: one operator action applied to every machine a search selects, by a run that walks the
 * selection in machine id order, paced, and records each machine's outcome. These are the run's names and
 * states; the run's storage is `storage/bulk-store.ts`, the loop that drives runs `runtime/bulk-runner.ts`.
 */

/** The operator actions a run may apply; each is the engine operation of the same name. */
export const BULK_ACTIONS = ["simple_repair", "repair", "resume", "retry_now", "notify"] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** The actions that take arguments (a repair's and a notification's payload). */
export const BULK_ACTIONS_WITH_ARGS: readonly BulkAction[] = ["repair", "notify"];

/** running: a node drives it (or will, once its lease is free); done: the walk reached the end; cancelled. */
export const BULK_RUN_STATUSES = ["running", "done", "cancelled"] as const;
export type BulkRunStatus = (typeof BULK_RUN_STATUSES)[number];

/**
 * ok: the action succeeded; failed: it was refused or failed (the error's code and message are kept);
 * skipped: the machine was removed after the walk read it.
 */
export const BULK_OUTCOMES = ["ok", "failed", "skipped"] as const;
export type BulkOutcomeKind = (typeof BULK_OUTCOMES)[number];

/**
 * The error code of a machine a node had begun to act on when it stopped: the action may or may not have taken
 * effect, so the node that takes the run over records this instead of acting a second time.
 */
export const BULK_RESULT_UNKNOWN = "bulk_result_unknown";

export function isBulkAction(text: string): text is BulkAction {
  return (BULK_ACTIONS as readonly string[]).includes(text);
}
