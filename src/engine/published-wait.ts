/**
 * For namespaces that answer their callers only once their sinks have acknowledged the step (MG's order): waits
 * until no record of the machine committed so far waits in the outbox. A relay of this node ends each wait as soon
 * as it has published; records published by another node's relay are seen at the next look, a relay poll later.
 */
import { DeadlineExceededError } from "../core/errors.js";
import type { Clock } from "../core/time.js";
import { MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import { wakeWaiters } from "../core/wake-signal.js";
import type { OutboxStore } from "../storage/outbox-store.js";

/** How often a waiting caller looks again when no relay of this node tells it sooner: the relays' poll. */
const PUBLISHED_RECHECK_MS = 100;

export class PublishedWait {
  /** Aborted when a relay of this node publishes: callers waiting for their sinks look again. */
  #published = new AbortController();

  constructor(
    private readonly outbox: Pick<OutboxStore, "outboxPending">,
    private readonly clock: Clock,
  ) {}

  /** A relay of this node deleted published records. */
  published(): void {
    wakeWaiters(this.#published);
    this.#published = new AbortController();
  }

  async untilPublished(
    machine: { sinks: readonly string[]; namespace: string; machineId: string },
    deadlineUs: number,
  ): Promise<void> {
    const { clock } = this;
    const query = { ...machine, eventIdMax: Number.MAX_SAFE_INTEGER, committedAtUsMax: clock.nowUs() };
    for (;;) {
      // Taken before the count, so a publish that lands between the count and the wait ends the wait at once.
      const published = this.#published.signal;
      if ((await this.outbox.outboxPending(query)) === 0) return;
      if (clock.nowUs() >= deadlineUs) {
        throw new DeadlineExceededError(
          "the step committed, but its sinks did not acknowledge it before the deadline",
        );
      }
      const recheckUs = clock.nowUs() + PUBLISHED_RECHECK_MS * MICROSECONDS_PER_MILLISECOND;
      await clock.waitUntil(Math.min(deadlineUs, recheckUs), published);
    }
  }
}
