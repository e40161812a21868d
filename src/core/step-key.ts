/**
 * Step keys: a name for one step that Ratchet retries itself, the same on every attempt and different for every
 * other step, so that a processor can make its outside effects idempotent with it (a retried timer step must not
 * charge a card twice). Init, call and repair steps have none: their callers retry them.
 */
import type { MachineRecord, Timer } from "./machine.js";
import type { Notification } from "./notification.js";

/**
 * A timer step is the firing of one timer after a given history: a retry keeps both (the timer stays armed and no
 * event is appended), while any later step appends events or arms another timer. The namespace and the machine id
 * are percent-encoded, so a `/` in either cannot make two machines' keys alike.
 */
export function stepKeyOfTimer(record: MachineRecord, timer: Timer): string {
  return `${machinePrefix(record.namespace, record.id)}/timer/${record.lastEventId}/${timer.dueAtUs}`;
}

/** A notification step is the delivery of one notification, whose id is unique within its namespace. */
export function stepKeyOfNotification(notification: Notification): string {
  const prefix = machinePrefix(notification.namespace, notification.machineId);
  return `${prefix}/notification/${encodeURIComponent(notification.id)}`;
}

function machinePrefix(namespace: string, machineId: string): string {
  return `${encodeURIComponent(namespace)}/${encodeURIComponent(machineId)}`;
}
