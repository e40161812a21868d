/**
 * Storing a notification: one write, not a step, so a keyed notify stores its idempotency key in that same
 * write. A key already stored for the same request answers with the notification it stored then; a key of
 * another request is refused.
 */
import { IdempotencyKeyReusedError } from "../core/errors.js";
import type { IdempotencyRecord, IdempotencyRequest } from "../core/idempotency.js";
import type { Notification } from "../core/notification.js";
import type { MachineStore } from "../storage/machine-store.js";

/** Returns the id of the stored notification: the new one, or the one a retry's first request stored. */
export async function storeNotification(
  storage: Pick<MachineStore, "insertNotification">,
  request: {
    readonly notification: Omit<Notification, "dueAtUs" | "attempt">;
    readonly context?: Notification["context"];
    readonly idempotency?: IdempotencyRequest;
  },
): Promise<string> {
  const { notification: draft, idempotency: requested } = request;
  const notification: Notification = {
    ...draft,
    ...(request.context === undefined ? {} : { context: request.context }),
    dueAtUs: draft.createdAtUs,
    attempt: 0,
  };
  const keyed: IdempotencyRecord | undefined =
    requested === undefined
      ? undefined
      : {
          namespace: notification.namespace,
          key: requested.key,
          machineId: notification.machineId,
          operation: "notify",
          requestHash: requested.requestHash,
          outcome: { kind: "notified", notificationId: notification.id },
          createdAtUs: notification.createdAtUs,
        };
  const stored = await storage.insertNotification(
    notification,
    keyed === undefined ? {} : { idempotency: keyed },
  );
  if (stored === null) return notification.id;
  const sameRequest =
    stored.requestHash === requested?.requestHash &&
    stored.operation === "notify" &&
    stored.machineId === notification.machineId;
  if (!sameRequest || stored.outcome.kind !== "notified") {
    throw new IdempotencyKeyReusedError(notification.namespace, stored.key);
  }
  return stored.outcome.notificationId;
}
