/**
 * Journal entries of attempts that ended without a commit (a call's transient error, a lost lease, a refused
 * commit), kept in memory until this node's next commit of the same machine writes them: an attempt is never
 * recorded by a node that does not hold the machine's lease. Bounded: a few entries per machine, a bounded number
 * of machines, the oldest dropped first; what a node forgets (a restart, a machine it never holds again) was never
 * promised to the journal.
 */
import type { JournalDraft } from "../core/journal.js";

/** Entries kept per machine; older ones are dropped. */
const ENTRIES_PER_MACHINE_MAX = 16;
/** Machines with entries waiting; the least recently noted go first. */
const MACHINES_MAX = 10_000;

export class PendingJournal {
  readonly #entries = new Map<string, JournalDraft[]>();

  note(key: string, draft: JournalDraft): void {
    const entries = this.#entries.get(key) ?? [];
    this.#entries.delete(key);
    entries.push(draft);
    if (entries.length > ENTRIES_PER_MACHINE_MAX) entries.splice(0, entries.length - ENTRIES_PER_MACHINE_MAX);
    this.#entries.set(key, entries);
    for (const [oldest] of this.#entries) {
      if (this.#entries.size <= MACHINES_MAX) break;
      this.#entries.delete(oldest);
    }
  }

  /** The machine's waiting entries, removed; give them back with `restore` if their commit fails. */
  take(key: string): JournalDraft[] {
    const entries = this.#entries.get(key) ?? [];
    this.#entries.delete(key);
    return entries;
  }

  restore(key: string, drafts: readonly JournalDraft[]): void {
    for (const draft of drafts) this.note(key, draft);
  }
}
