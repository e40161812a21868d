/**
 * The performance goals, kept here and only here (never as timed assertions in tests): each names a figure of
 * the final JSON line and the bound it should meet. The bench prints goal beside measured, "met" or "not met".
 */
export interface Goal {
  /** Key of the figure in the summary line. */
  readonly key: string;
  readonly label: string;
  readonly bound: "at least" | "at most";
  readonly target: number;
}

export const GOALS: readonly Goal[] = [
  {
    key: "chain_sqlite_ratio_to_ceiling",
    label: "SQLite chain ÷ one-transaction ceiling",
    bound: "at least",
    target: 2,
  },
  {
    key: "chain_pg_ratio_to_ceiling",
    label: "PostgreSQL chain ÷ one-transaction ceiling",
    bound: "at least",
    target: 3,
  },
  {
    key: "chain_pg_to_one_round_trip_ratio",
    label: "PostgreSQL chain ÷ one-round-trip ceiling",
    bound: "at least",
    target: 1.5,
  },
  {
    key: "call_sqlite_to_chain_ratio",
    label: "SQLite calls/s (32 callers) ÷ chain steps/s",
    bound: "at least",
    target: 0.7,
  },
  { key: "call_sqlite_p99_ms", label: "SQLite call p99 at 32 callers, ms", bound: "at most", target: 15 },
  {
    key: "call_pg_to_chain_ratio",
    label: "PostgreSQL calls/s (32 callers) ÷ chain steps/s",
    bound: "at least",
    target: 0.7,
  },
  { key: "call_pg_p99_ms", label: "PostgreSQL call p99 at 32 callers, ms", bound: "at most", target: 15 },
  {
    key: "chain_outbox_to_chain_ratio",
    label: "chain with the outbox ÷ chain",
    bound: "at least",
    target: 0.8,
  },
  { key: "relay_lag_p99_ms", label: "outbox commit → consumer lag p99, ms", bound: "at most", target: 20 },
  {
    key: "woody_to_local_call_ratio",
    label: "woody calls/s ÷ local calls/s (SQLite, 32 callers)",
    bound: "at least",
    target: 0.5,
  },
  {
    key: "woody_added_p50_ms",
    label: "woody added p50 at 1 caller (SQLite), ms",
    bound: "at most",
    target: 1,
  },
  {
    key: "woody_pg_to_local_call_ratio",
    label: "woody ÷ local calls/s (PostgreSQL, 32 callers)",
    bound: "at least",
    target: 0.5,
  },
  {
    key: "woody_pg_added_p50_ms",
    label: "woody added p50 at 1 caller (PostgreSQL), ms",
    bound: "at most",
    target: 1,
  },
  {
    key: "timer_pg_lateness_p99_ms",
    label: "timer lateness p99 at ~2,000/s (PostgreSQL), ms",
    bound: "at most",
    target: 20,
  },
  {
    key: "timer_pg_200_per_s_lateness_p99_ms",
    label: "timer lateness p99 at ~200/s (PostgreSQL), ms",
    bound: "at most",
    target: 5,
  },
  {
    key: "timer_sqlite_lateness_p99_ms",
    label: "timer lateness p99 at ~2,000/s (SQLite), ms",
    bound: "at most",
    target: 20,
  },
  {
    key: "timer_sqlite_200_per_s_lateness_p99_ms",
    label: "timer lateness p99 at ~200/s (SQLite), ms",
    bound: "at most",
    target: 5,
  },
];

/** The goals of the peer comparison (`npm run bench:peers`). */
export const PEER_GOALS: readonly Goal[] = [
  { key: "ratchet_to_dbos_ratio", label: "Ratchet chain ÷ DBOS Transact", bound: "at least", target: 6 },
  { key: "ratchet_to_restate_ratio", label: "Ratchet chain ÷ Restate", bound: "at least", target: 10 },
];

export type Verdict = "met" | "not met" | "not measured";

export function verdictOf(goal: Goal, measured: number | undefined): Verdict {
  if (measured === undefined || Number.isNaN(measured)) return "not measured";
  const met = goal.bound === "at least" ? measured >= goal.target : measured <= goal.target;
  return met ? "met" : "not met";
}

/** One printed line per goal: what it asks, what was measured, and the verdict. */
export function goalLines(goals: readonly Goal[], figures: Readonly<Record<string, number>>): string[] {
  const width = Math.max(...goals.map((goal) => goal.label.length));
  return goals.map((goal) => {
    const measured = figures[goal.key];
    const shown = measured === undefined || Number.isNaN(measured) ? "—" : String(measured);
    const sign = goal.bound === "at least" ? "≥" : "≤";
    return `  ${goal.label.padEnd(width)}  goal ${sign} ${goal.target}  measured ${shown}  ${verdictOf(goal, measured)}`;
  });
}

/** a ÷ b rounded to 2 digits; NaN when either is missing or b is 0. */
export function ratio(numerator: number | undefined, denominator: number | undefined): number {
  if (numerator === undefined || denominator === undefined || denominator === 0) return Number.NaN;
  return Number((numerator / denominator).toFixed(2));
}

/**
 * The final JSON line: every figure, NaN (not measured) written as null so the line stays JSON and a missing
 * figure is visible rather than dropped.
 */
export function summaryLine(figures: Readonly<Record<string, number>>): string {
  const out: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(figures)) out[key] = Number.isFinite(value) ? value : null;
  return JSON.stringify(out);
}
