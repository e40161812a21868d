/** What a machine runner and its steps need from their engine: the ports, the node's identity, a few callbacks. */
import type { AuditDraft } from "../core/audit.js";
import type { Clock } from "../core/time.js";
import type { MachineStore, OutboxEntry } from "../storage/machine-store.js";
import type { EngineObserver } from "./engine-observer.js";
import type { FaultPoints } from "./fault-points.js";
import type { GroupCommitter } from "./group-committer.js";
import type { HistoryCache } from "./history-cache.js";
import type { LeaseKeeper } from "./lease-keeper.js";
import type { PendingJournal } from "./pending-journal.js";
import type { WarmRefusals } from "./warm-refusals.js";

export interface EngineContext {
  readonly storage: MachineStore;
  readonly committer: GroupCommitter;
  readonly clock: Clock;
  readonly random: () => number;
  /** This node's identity in leases; unique per process. */
  readonly owner: string;
  readonly leaseDurationMs: number;
  /** How long a lease is kept after a request's step for the next request (0: released with the step). */
  readonly leaseWarmMs: number;
  /** Whether this node runs due timers (a node without a scheduler leaves a timer due under a warm lease to others). */
  readonly runsScheduledWork: boolean;
  /** Machines another node asked for lately: kept warm by no runner of this node until then. */
  readonly warmRefusals: WarmRefusals;
  readonly faults: FaultPoints;
  readonly leaseKeeper: LeaseKeeper;
  readonly historyCache: HistoryCache;
  /** Journal entries of attempts that committed nothing, until this node's next commit of the machine. */
  readonly pendingJournal: PendingJournal;
  readonly machineQueueLengthMax: number;
  readonly chainedStepsMax: number;
  /** Sees steps, processor calls and takeovers (logs, traces, histograms); absent, nothing is observed. */
  readonly observer: EngineObserver | undefined;
  /** A step armed a timer that this node will not run at once: the scheduler may need to wake earlier. */
  timerArmed(dueAtUs: number): void;
  /** True once the engine is closing: runners finish the step at hand and chain no further. */
  closing(): boolean;
  /** A committed step left records in the outbox: the relays of those sinks should look. */
  outboxWritten(entries: readonly OutboxEntry[]): void;
  /** An audit entry was written (with its step, or alone): the node logs it. */
  audited(entry: AuditDraft): void;
  /** A step committed (for metrics). */
  stepCommitted(namespace: string, kind: string): void;
  /** Asks the other nodes to give the machine's lease up if they hold it warm (where storage carries that). */
  requestRelease(namespace: string, machineId: string): void;
  /** Waits until the instant or until storage says something changed. */
  waitForWake(untilUs: number): Promise<void>;
  /** An error no caller can receive (a scheduled step's storage failure, say). */
  reportError(error: unknown, context: object): void;
}
