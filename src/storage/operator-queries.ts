/**
 * Operator queries: what operators (the CLI, and the JSON API and console) read besides single machines. Reads
 * only; each answers from one statement, so it sees whole steps or none of them.
 */
import type { MachineRecord } from "../core/machine.js";
import type { Notification } from "../core/notification.js";

export interface OperatorQueries {
  /** Machines of a namespace by id, for operators; `afterId` pages. */
  listMachines(namespace: string, options: { afterId?: string; limit: number }): Promise<MachineRecord[]>;

  /** The notifications of one machine that wait for delivery, oldest first. */
  listNotifications(namespace: string, machineId: string): Promise<Notification[]>;
}
