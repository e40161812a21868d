/**
 * The journal pruner: every interval, deletes each namespace's journal entries past its retention (older than
 * `max_age`, or beyond the last `steps_per_machine` of a machine) in bounded batches, one statement at a time, so a
 * long backlog never holds locks a step's commit would wait for. Several nodes may prune at once; deletes of the
 * same rows are harmless.
 *
 * States: running (a pass per interval) → stopped.
 */
import type { Clock } from "../core/time.js";
import { MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import type { MachineStore } from "../storage/machine-store.js";
import type { Namespace } from "./namespace.js";

/** Entries one statement deletes at most. */
const PRUNE_BATCH = 1000;
/** Batches one namespace gets per pass before the next namespace's turn. */
const BATCHES_PER_PASS = 100;

export class JournalPruner {
  readonly #stop = new AbortController();
  /** Per namespace, when its last pass began: only machines updated since can have grown past their count. */
  readonly #lastPassUs = new Map<string, number>();
  #loop: Promise<void> | null = null;

  constructor(
    private readonly storage: Pick<MachineStore, "pruneJournal">,
    private readonly clock: Clock,
    private readonly namespaces: readonly Namespace[],
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (this.namespaces.some((namespace) => namespace.journal.enabled)) this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      await this.pruneNow().catch(this.onError);
      await this.clock.waitUntil(
        this.clock.nowUs() + this.intervalMs * MICROSECONDS_PER_MILLISECOND,
        this.#stop.signal,
      );
    }
  }

  /** One pass over every namespace; returns how many entries went. */
  async pruneNow(): Promise<number> {
    let pruned = 0;
    for (const namespace of this.namespaces) {
      if (!namespace.journal.enabled || this.#stop.signal.aborted) continue;
      const passUs = this.clock.nowUs();
      const options = {
        namespace: namespace.name,
        endedBeforeUs: passUs - namespace.journal.maxAgeMs * MICROSECONDS_PER_MILLISECOND,
        keepPerMachine: namespace.journal.stepsPerMachine,
        // A margin of a minute covers commits in flight when the last pass began.
        updatedSinceUs: Math.max(0, (this.#lastPassUs.get(namespace.name) ?? 0) - 60_000_000),
        limit: PRUNE_BATCH,
      };
      let batches = 0;
      let deleted: number;
      do {
        deleted = await this.storage.pruneJournal(options);
        pruned += deleted;
        batches += 1;
      } while (deleted > 0 && batches < BATCHES_PER_PASS && !this.#stop.signal.aborted);
      // A namespace cut short keeps its old start, so the next pass looks at the same machines again.
      if (batches < BATCHES_PER_PASS) this.#lastPassUs.set(namespace.name, passUs);
    }
    return pruned;
  }
}
