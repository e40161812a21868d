/**
 * `namespaces.<ns>.journal` (a Ratchet extension): whether the namespace's steps are recorded in the step
 * journal, and how much of it is kept (per machine and by age). The defaults are the engine's DEFAULT_JOURNAL.
 */
import { z } from "zod";
import { durationMs, flag, integer } from "./values.js";

export interface JournalConfig {
  /** Record every step (default true); off, nothing is recorded and the flow stays empty. */
  readonly enabled: boolean;
  /** Entries kept per machine, newest first (default 1000). */
  readonly stepsPerMachine: number;
  /** Entries older than this are pruned, ms (default 30 days). */
  readonly maxAgeMs: number;
}

/**
 * Entries one machine may keep at most: a bound on what one machine's journal costs in storage (a few hundred
 * bytes an entry), so a typo of a few zeros cannot keep a busy machine's every step for its lifetime.
 */
export const JOURNAL_STEPS_PER_MACHINE_MAX = 1_000_000;

export function journalSchema() {
  return z
    .strictObject({
      enabled: flag().prefault(true),
      steps_per_machine: integer({ min: 1, max: JOURNAL_STEPS_PER_MACHINE_MAX }).prefault(1000),
      max_age: durationMs({ positive: true }).prefault("30d"),
    })
    .prefault({})
    .transform(
      (journal): JournalConfig => ({
        enabled: journal.enabled,
        stepsPerMachine: journal.steps_per_machine,
        maxAgeMs: journal.max_age,
      }),
    );
}
