/**
 * Complete machine histories kept in memory, so a step hands its processor the history without reading it.
 * One cache per engine, shared by the machines' runners and bounded by the number of events it holds (least
 * recently used first out). An entry is valid only for the exact record it was stored with: any step on any
 * node changes `lastEventId` or `updatedAtUs`, and so does modernization, so a stale entry is never served.
 */
import type { EventSpan } from "../core/history-range.js";
import type { Event, MachineRecord } from "../core/machine.js";

interface Entry {
  readonly lastEventId: number;
  readonly updatedAtUs: number;
  readonly events: Event[];
}

export class HistoryCache {
  readonly #entries = new Map<string, Entry>();
  #events = 0;

  constructor(private readonly eventsMax: number) {}

  /** The complete history of the machine as of `record`, or null. */
  lookup(key: string, record: MachineRecord): Event[] | null {
    const entry = this.#entries.get(key);
    if (entry === undefined) return null;
    this.#drop(key, entry);
    if (entry.lastEventId !== record.lastEventId || entry.updatedAtUs !== record.updatedAtUs) return null;
    this.#entries.set(key, entry); // most recently used now
    this.#events += entry.events.length;
    return entry.events;
  }

  /** Stores the complete history of the machine as of `record`. */
  store(key: string, record: MachineRecord, events: Event[]): void {
    const old = this.#entries.get(key);
    if (old !== undefined) this.#drop(key, old);
    if (events.length !== record.lastEventId || events.length > this.eventsMax) return;
    this.#entries.set(key, { lastEventId: record.lastEventId, updatedAtUs: record.updatedAtUs, events });
    this.#events += events.length;
    for (const [oldest, entry] of this.#entries) {
      if (this.#events <= this.eventsMax) break;
      this.#drop(oldest, entry);
    }
  }

  forget(key: string): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) this.#drop(key, entry);
  }

  #drop(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#events -= entry.events.length;
  }
}

/** The events of a span taken from a complete history. */
export function sliceHistory(events: readonly Event[], span: EventSpan | null): Event[] {
  if (span === null) return [];
  if (span.direction === "forward") return events.slice(span.from - 1, span.to);
  return events.slice(span.to - 1, span.from).reverse();
}
