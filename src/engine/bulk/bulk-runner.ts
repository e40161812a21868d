/**
 * The bulk runner: on every node, takes running bulk runs of its namespaces whose lease is free or expired
 * (a run started here, or one whose node died or stopped) and drives each (bulk-run-drive.ts), at most
 * `runsMax` at once. So a run survives its node: another node, or the same one restarted, takes it over where its
 * records end.
 *
 * States: sleeping → claiming (on wake or every pollIntervalMs) → sleeping; any → stopped. `stop` ends the claims,
 * lets each run finish the machine it is acting on, and releases the runs for any node to take at once.
 */
import assert from "node:assert/strict";
import type { Clock } from "../../core/time.js";
import { MICROSECONDS_PER_MILLISECOND } from "../../core/time.js";
import type { BulkStore } from "../../storage/bulk-store.js";
import type { OperatorQueries } from "../../storage/operator-queries.js";
import type { EngineApi } from "../engine-api.js";
import { driveBulkRun } from "./bulk-run-drive.js";

const MODES = Object.freeze({ sleeping: "sleeping", claiming: "claiming", stopped: "stopped" });
type Mode = (typeof MODES)[keyof typeof MODES];

export interface BulkRunnerOptions {
  readonly engine: EngineApi;
  readonly store: BulkStore;
  readonly queries: OperatorQueries;
  readonly clock: Clock;
  readonly owner: string;
  /** The namespaces this node serves: it takes their runs only. */
  readonly namespaces: readonly string[];
  readonly leaseDurationMs: number;
  readonly pollIntervalMs: number;
  readonly runsMax: number;
  readonly pageMachines: number;
  readonly onError: (error: unknown, context: object) => void;
}

export class BulkRunner {
  #mode: Mode = MODES.sleeping;
  #wake = new AbortController();
  readonly #stop = new AbortController();
  readonly #driving = new Set<Promise<void>>();
  #loop: Promise<void> | null = null;

  constructor(private readonly options: BulkRunnerOptions) {
    assert.ok(options.runsMax >= 1, "a bulk runner drives at least one run");
    assert.ok(options.leaseDurationMs > 0, "a bulk run's lease has a duration");
  }

  start(): void {
    assert.equal(this.#loop, null, "a bulk runner starts once");
    this.#loop = this.#run();
  }

  /** Looks for runs at once (a run was started on this node). */
  wake(): void {
    this.#wake.abort();
  }

  /** Ends the claims; each run finishes its current machine and is released. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wake.abort();
    await this.#loop;
    await Promise.all(this.#driving);
    this.#mode = MODES.stopped;
  }

  async #run(): Promise<void> {
    const { clock, pollIntervalMs } = this.options;
    while (!this.#stop.signal.aborted) {
      assert.equal(this.#mode, MODES.sleeping);
      this.#mode = MODES.claiming;
      try {
        await this.#claimRuns();
      } catch (error) {
        this.options.onError(error, { in: "bulk runner" });
      }
      this.#mode = MODES.sleeping;
      if (this.#stop.signal.aborted) return;
      await clock.waitUntil(clock.nowUs() + pollIntervalMs * MICROSECONDS_PER_MILLISECOND, this.#wake.signal);
      this.#wake = new AbortController();
    }
  }

  async #claimRuns(): Promise<void> {
    assert.equal(this.#mode, MODES.claiming);
    const { store, clock, owner, namespaces, leaseDurationMs } = this.options;
    if (namespaces.length === 0) return;
    while (this.#driving.size < this.options.runsMax && !this.#stop.signal.aborted) {
      const nowUs = clock.nowUs();
      const untilUs = nowUs + leaseDurationMs * MICROSECONDS_PER_MILLISECOND;
      const claimed = await store.claimBulkRun({ namespaces, owner, nowUs, untilUs });
      if (claimed === null) return;
      const driving = driveBulkRun(
        { ...this.options, stopping: this.#stop.signal },
        claimed.run,
        claimed.lease,
      ).finally(() => {
        this.#driving.delete(driving);
        // A slot is free: another run may be waiting for it.
        this.#wake.abort();
      });
      this.#driving.add(driving);
    }
  }
}
