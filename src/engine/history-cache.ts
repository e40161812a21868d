/**
 * Complete machine histories kept in memory, so a step hands its processor the history without reading it.
 * One cache per engine, shared by the machines' runners and bounded by bytes: each event costs its payload and a
 * fixed overhead, each history a fixed overhead of its own (measured, so the bound is what the heap holds); least
 * recently used entries go first. The cache owns its arrays: callers get them to read,
 * and extend an entry only through `append`, which counts what it adds. An entry is valid only for the exact
 * record it was stored with: any step on any node changes `lastEventId` or `updatedAtUs`, so a stale entry is
 * never served.
 */
import type { EventSpan } from "../core/history-range.js";
import { CACHED_EVENT_OVERHEAD_BYTES, CACHED_HISTORY_OVERHEAD_BYTES } from "../core/limits.js";
import type { Event, MachineRecord } from "../core/machine.js";

interface Entry {
  lastEventId: number;
  updatedAtUs: number;
  readonly events: Event[];
  bytes: number;
}

export class HistoryCache {
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  constructor(private readonly bytesMax: number) {}

  /** Bytes the entries account for now; never above the bound once a call returns. */
  get bytes(): number {
    return this.#bytes;
  }

  get entries(): number {
    return this.#entries.size;
  }

  /** The complete history of the machine as of `record`, or null. Read it; never change it. */
  lookup(key: string, record: MachineRecord): readonly Event[] | null {
    const entry = this.#entries.get(key);
    if (entry === undefined) return null;
    if (!matches(entry, record)) {
      this.#drop(key, entry);
      return null;
    }
    this.#entries.delete(key); // most recently used now
    this.#entries.set(key, entry);
    return entry.events;
  }

  /** Stores the complete history of the machine as of `record`; the cache takes the array. */
  store(key: string, record: MachineRecord, events: Event[]): void {
    this.forget(key);
    if (events.length !== record.lastEventId) return;
    const entry = { lastEventId: record.lastEventId, updatedAtUs: record.updatedAtUs, events, bytes: 0 };
    entry.bytes = CACHED_HISTORY_OVERHEAD_BYTES + bytesOf(events);
    if (entry.bytes > this.bytesMax) return;
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    this.#evict();
  }

  /**
   * A step committed on the machine: the entry of `previous` becomes the entry of `next`, extended by the step's
   * events. Without an entry for `previous` nothing is cached.
   */
  append(key: string, previous: MachineRecord, next: MachineRecord, events: readonly Event[]): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    if (!matches(entry, previous) || next.lastEventId !== previous.lastEventId + events.length) {
      this.#drop(key, entry);
      return;
    }
    const added = bytesOf(events);
    if (entry.bytes + added > this.bytesMax) {
      this.#drop(key, entry);
      return;
    }
    for (const event of events) entry.events.push(event);
    entry.bytes += added;
    entry.lastEventId = next.lastEventId;
    entry.updatedAtUs = next.updatedAtUs;
    this.#bytes += added;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.#evict();
  }

  forget(key: string): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) this.#drop(key, entry);
  }

  #evict(): void {
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.bytesMax) return;
      this.#drop(oldest, entry);
    }
  }

  #drop(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}

function matches(entry: Entry, record: MachineRecord): boolean {
  return entry.lastEventId === record.lastEventId && entry.updatedAtUs === record.updatedAtUs;
}

function bytesOf(events: readonly Event[]): number {
  let bytes = 0;
  for (const event of events) bytes += event.data.byteLength + CACHED_EVENT_OVERHEAD_BYTES;
  return bytes;
}

/** The events of a span taken from a complete history. */
export function sliceHistory(events: readonly Event[], span: EventSpan | null): Event[] {
  if (span === null) return [];
  if (span.direction === "forward") return events.slice(span.from - 1, span.to);
  return events.slice(span.to - 1, span.from).reverse();
}
