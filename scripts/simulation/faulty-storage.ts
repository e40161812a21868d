/**
 * A node's storage: the `Storage` ports forwarded to the observed real store, with the node's fault plan in
 * front of the machine store's methods: commits refused, cut before or after COMMIT, renewals that fail or report leases lost, claims,
 * acquisitions, releases, inserts and reads that fail, and some latency. A batch carrying a result the processor
 * made "unstorable" is refused with a plain error, as a database refuses a value it cannot hold, so the group
 * committer must isolate that step.
 */
import { StorageResultUnknownError, StorageUnavailableError } from "../../src/core/errors.js";
import type { EventSpan } from "../../src/core/history-range.js";
import type { IdempotencyRecord } from "../../src/core/idempotency.js";
import type { MachineRecord } from "../../src/core/machine.js";
import type { Notification } from "../../src/core/notification.js";
import type {
  AcquireResult,
  ClaimedMachine,
  ClaimedNotification,
  ClaimOptions,
  CommitOutcome,
  Lease,
  MachineStore,
  StepCommit,
} from "../../src/storage/machine-store.js";
import type { Storage } from "../../src/storage/storage.js";
import { text } from "./model.js";
import type { ObservedStore } from "./observed-store.js";
import type { StorageFaultPlan } from "./storage-faults.js";

/** The methods that fail as the plan says; every other method of the ports is forwarded as it is. */
type Faulted = Pick<
  MachineStore,
  | "acquireLease"
  | "releaseLease"
  | "renewLeases"
  | "commit"
  | "readMachine"
  | "readMachineWithEvents"
  | "readEvents"
  | "claimDueTimers"
  | "claimDueNotifications"
  | "nextDueAtUs"
  | "insertNotification"
>;

const unavailable = (why: string) => new StorageUnavailableError(`simulated: ${why}`);
const unknown = (why: string) => new StorageResultUnknownError(`simulated: ${why}`);

/**
 * The node's `Storage`: the faulted methods of FaultyMachineStore, and every other method of the real store
 * forwarded (counted while under way), so the wrapper stays whole as the ports grow.
 */
export function faultyStorage(store: ObservedStore, plan: StorageFaultPlan): Storage {
  const faulty = new FaultyMachineStore(store, plan);
  return new Proxy(store.real, {
    get(real, property) {
      // The nodes share one store, closed once after every node has stopped.
      if (property === "close") return async () => {};
      const own = Reflect.get(faulty, property) as unknown;
      if (typeof own === "function") return own.bind(faulty);
      const value = Reflect.get(real, property) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const result = value.apply(real, args) as unknown;
        return result instanceof Promise ? store.track(() => result) : result;
      };
    },
  });
}

class FaultyMachineStore implements Faulted {
  constructor(
    private readonly store: ObservedStore,
    private readonly plan: StorageFaultPlan,
  ) {}

  async acquireLease(options: Parameters<MachineStore["acquireLease"]>[0]): Promise<AcquireResult> {
    await this.plan.latency();
    const fault = this.plan.first(["acquireFails", "acquireLostAfter"], `acquire ${options.machineId}`);
    if (fault === "acquireFails") throw unavailable("acquire refused");
    const result = await this.store.track((real) => real.acquireLease(options));
    if (fault === "acquireLostAfter") throw unknown("connection lost after the lease was taken");
    return result;
  }

  async releaseLease(lease: Lease): Promise<void> {
    await this.plan.latency();
    if (this.plan.strikes("releaseFails", `release ${lease.machineId} e${lease.epoch}`))
      throw unavailable("release refused");
    await this.store.track((real) => real.releaseLease(lease));
  }

  async renewLeases(leases: readonly Lease[], untilUs: number): Promise<Lease[]> {
    await this.plan.latency();
    const fault = this.plan.first(["renewFails", "renewReportsLost"], `renew ${leases.length} leases`);
    if (fault === "renewFails") throw unavailable("renewal refused");
    if (fault !== "renewReportsLost") return this.store.track((real) => real.renewLeases(leases, untilUs));
    const reported = this.plan.someOf(leases);
    const renewed = leases.filter((lease) => !reported.includes(lease));
    const lost = await this.store.track((real) => real.renewLeases(renewed, untilUs));
    return [...lost, ...reported];
  }

  async commit(steps: readonly StepCommit[]): Promise<CommitOutcome[]> {
    await this.plan.latency();
    const poisoned = steps.find((step) => text(step.record.auxState.data).includes('"poison"'));
    if (poisoned !== undefined) {
      const token = JSON.parse(text(poisoned.record.auxState.data)).t as string;
      throw new Error(`simulated: storage cannot hold the value of ${token}`);
    }
    const detail = `commit of ${steps.length} steps (${steps.map((step) => step.record.id).join(" ")})`;
    const fault = this.plan.first(
      ["commitRefused", "commitLostBeforeCommit", "commitLostAfterCommit"],
      detail,
    );
    if (fault === "commitRefused") throw unavailable("commit refused");
    if (fault === "commitLostBeforeCommit") {
      await this.plan.latency();
      throw unavailable("connection lost before COMMIT");
    }
    const outcomes = await this.store.commit(steps);
    if (fault === "commitLostAfterCommit") throw unknown("connection lost after COMMIT");
    return outcomes;
  }

  async readMachine(namespace: string, machineId: string): Promise<MachineRecord | null> {
    await this.#read(`read ${machineId}`);
    return this.store.track((real) => real.readMachine(namespace, machineId));
  }

  async readMachineWithEvents(
    namespace: string,
    machineId: string,
    selectSpan: Parameters<MachineStore["readMachineWithEvents"]>[2],
  ): ReturnType<MachineStore["readMachineWithEvents"]> {
    await this.#read(`read ${machineId} with events`);
    return this.store.track((real) => real.readMachineWithEvents(namespace, machineId, selectSpan));
  }

  async readEvents(
    namespace: string,
    machineId: string,
    span: EventSpan,
  ): ReturnType<MachineStore["readEvents"]> {
    await this.#read(`read events of ${machineId}`);
    return this.store.track((real) => real.readEvents(namespace, machineId, span));
  }

  async claimDueTimers(options: ClaimOptions): Promise<ClaimedMachine[]> {
    return this.#claim("timers", () => this.store.track((real) => real.claimDueTimers(options)));
  }

  async claimDueNotifications(options: ClaimOptions): Promise<ClaimedNotification[]> {
    return this.#claim("notifications", () =>
      this.store.track((real) => real.claimDueNotifications(options)),
    );
  }

  async nextDueAtUs(namespaces: readonly string[]): Promise<number | null> {
    await this.#read("next due instant");
    return this.store.track((real) => real.nextDueAtUs(namespaces));
  }

  async insertNotification(
    notification: Notification,
    options?: { readonly idempotency?: IdempotencyRecord },
  ): Promise<IdempotencyRecord | null> {
    await this.plan.latency();
    const detail = `notification ${notification.id} for ${notification.machineId}`;
    const fault = this.plan.first(["insertFails", "insertLostAfter"], detail);
    if (fault === "insertFails") throw unavailable("insert refused");
    const stored = await this.store.insertNotification(notification, options);
    if (fault === "insertLostAfter") throw unknown("connection lost after the insert");
    return stored;
  }

  async #claim<T>(what: string, claim: () => Promise<T[]>): Promise<T[]> {
    await this.plan.latency();
    const fault = this.plan.first(["claimFails", "claimLostAfter"], `claim of due ${what}`);
    if (fault === "claimFails") throw unavailable("claim refused");
    const claimed = await claim();
    if (fault === "claimLostAfter") throw unknown(`connection lost after claiming ${claimed.length}`);
    return claimed;
  }

  async #read(detail: string): Promise<void> {
    await this.plan.latency();
    if (this.plan.strikes("readFails", detail)) throw unavailable("read refused");
  }
}
