/**
 * Gauges read from storage at scrape time: machines by status, and what shows a stuck node, the age of the
 * oldest overdue timer (or retry) and of the oldest pending notification, per namespace. Each is one bounded,
 * indexed statement per namespace (operator-queries.ts), so a scrape costs the same at a thousand machines or
 * ten million; nothing on a step's path pays for them.
 */
import { Gauge, type Registry } from "prom-client";
import { OPERATOR_READ_LIMITS } from "../core/limits.js";
import { MACHINE_STATUSES } from "../core/machine.js";
import { MICROSECONDS_PER_SECOND } from "../core/time.js";
import type { RatchetNode } from "./create-node.js";

export function registerStorageGauges(registry: Registry, node: RatchetNode): void {
  const namespaces = () => node.engine.namespaces();
  new Gauge({
    name: "ratchet_machines",
    help: `Machines by status, each count capped at ${OPERATOR_READ_LIMITS.machineGaugeCap} (a value at the cap means at least).`,
    labelNames: ["namespace", "status"] as const,
    registers: [registry],
    async collect() {
      for (const namespace of namespaces()) {
        const counts = await node.storage.countMachinesByStatus(namespace, {
          capPerStatus: OPERATOR_READ_LIMITS.machineGaugeCap,
        });
        for (const status of MACHINE_STATUSES) this.set({ namespace, status }, counts[status]);
      }
    },
  });
  new Gauge({
    name: "ratchet_oldest_overdue_timer_age_seconds",
    help: "How long the earliest due timer or retry of the namespace has been due and not run (0 when none is).",
    labelNames: ["namespace"] as const,
    registers: [registry],
    async collect() {
      for (const namespace of namespaces()) {
        const nowUs = node.clock.nowUs();
        const dueAtUs = await node.storage.oldestOverdueTimer(namespace, { nowUs });
        this.set({ namespace }, ageSecondsOf(dueAtUs, nowUs));
      }
    },
  });
  new Gauge({
    name: "ratchet_oldest_pending_notification_age_seconds",
    help: "Age of the oldest notification waiting for delivery to a machine that is neither failed nor paused (0 when none waits).",
    labelNames: ["namespace"] as const,
    registers: [registry],
    async collect() {
      for (const namespace of namespaces()) {
        const createdAtUs = await node.storage.oldestPendingNotification(namespace, {
          candidatesMax: OPERATOR_READ_LIMITS.pendingNotificationCandidatesMax,
        });
        this.set({ namespace }, ageSecondsOf(createdAtUs, node.clock.nowUs()));
      }
    },
  });
}

/** Seconds from `sinceUs` to `nowUs`; 0 when nothing is there (a gauge that vanished would not show recovery). */
function ageSecondsOf(sinceUs: number | null, nowUs: number): number {
  return sinceUs === null ? 0 : Math.max(0, nowUs - sinceUs) / MICROSECONDS_PER_SECOND;
}
