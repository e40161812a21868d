/**
 * Operator queries: what operators (the CLI, and the JSON API and console) read besides single machines. Reads
 * only; each answers from one statement, so it sees whole steps or none of them.
 */
import type { JournalEntry } from "../core/journal.js";
import type { MachineRecord } from "../core/machine.js";
import type { Notification } from "../core/notification.js";

export interface OperatorQueries {
  /** Machines of a namespace by id, for operators; `afterId` pages. */
  listMachines(namespace: string, options: { afterId?: string; limit: number }): Promise<MachineRecord[]>;

  /** The notifications of one machine that wait for delivery, oldest first. */
  listNotifications(namespace: string, machineId: string): Promise<Notification[]>;

  /**
   * A page of one machine's journal: entries after step number `after` (forward, oldest first) or before it
   * (backward, newest first).
   */
  listSteps(
    namespace: string,
    machineId: string,
    options: { after: number; limit: number; direction: "forward" | "backward" },
  ): Promise<JournalEntry[]>;

  /** The journal entries of a namespace that ended in [sinceUs, untilUs), by machine and step, at most `limit`. */
  readJournalWindow(
    namespace: string,
    options: { sinceUs: number; untilUs: number; limit: number },
  ): Promise<{ machineId: string; entry: JournalEntry }[]>;
}
