/** A notification: arguments for a machine, stored at once and delivered later as a notification signal. */
import type { HistoryRange } from "./history-range.js";
import type { Payload, RequestContext } from "./machine.js";

export interface Notification {
  readonly namespace: string;
  /** Unique within the namespace. */
  readonly id: string;
  readonly machineId: string;
  readonly args: Payload;
  readonly range: HistoryRange;
  readonly context?: RequestContext;
  readonly createdAtUs: number;
  /** When delivery is next tried. */
  readonly dueAtUs: number;
  /** Failed deliveries so far. */
  readonly attempt: number;
  readonly firstFailedAtUs?: number;
  readonly lastError?: string;
}
