/**
 * The history a lease holder keeps in memory, so chained steps hand the processor its history without a read.
 * It is either the complete history (ids 1..last) or unknown; only a full read or a fresh machine fills it.
 */
import type { EventSpan } from "../core/history-range.js";
import type { Event } from "../core/machine.js";

export class HistoryCache {
  #events: Event[] | null = null;

  constructor(private readonly eventsMax: number) {}

  /** Forget everything; a machine with no events is known completely. */
  reset(lastEventId: number | null): void {
    this.#events = lastEventId === 0 ? [] : null;
  }

  append(events: readonly Event[]): void {
    if (this.#events === null) return;
    this.#events.push(...events);
    if (this.#events.length > this.eventsMax) this.#events = null;
  }

  /** The events of a span, from memory when the history is known, else through `load`. */
  async slice(
    span: EventSpan | null,
    lastEventId: number,
    load: (span: EventSpan) => Promise<Event[]>,
  ): Promise<Event[]> {
    if (span === null) return [];
    if (this.#events !== null) {
      if (span.direction === "forward") return this.#events.slice(span.from - 1, span.to);
      return this.#events.slice(span.to - 1, span.from).reverse();
    }
    const events = await load(span);
    const isWholeHistory = span.direction === "forward" && span.from === 1 && span.to === lastEventId;
    if (isWholeHistory && events.length === lastEventId && events.length <= this.eventsMax)
      this.#events = [...events];
    return events;
  }
}
