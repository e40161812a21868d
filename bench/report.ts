/** Printing helpers: one figure per line, CPU per step beside throughput. */
import type { CpuUsed } from "./cpu-probe.js";
import { round } from "./stats.js";

/** "CPU per step: Ratchet 120 µs, PostgreSQL 70 µs (12 backends)". */
export function cpuText(cpu: CpuUsed, steps: number, unit = "step"): string {
  const ratchet = `Ratchet ${round(cpu.ratchetUs / steps)} µs`;
  if (Number.isNaN(cpu.postgresUs)) return `CPU per ${unit}: ${ratchet}`;
  return `CPU per ${unit}: ${ratchet}, PostgreSQL ${round(cpu.postgresUs / steps)} µs (${cpu.postgresBackends} backends)`;
}

export function latencyText(result: { callsPerSecond: number; p50Ms: number; p99Ms: number }): string {
  return `${round(result.callsPerSecond)} calls/s, p50 ${round(result.p50Ms, 2)} ms, p99 ${round(result.p99Ms, 2)} ms`;
}

export function section(title: string): void {
  console.log(`\n${title}`);
}

export function line(label: string, text: string): void {
  console.log(`  ${label.padEnd(10)}${text}`);
}

/** A table with right-aligned figures, the first column left-aligned. */
export function printTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): void {
  const cells = [
    headers,
    ...rows.map((row) => row.map((cell) => (typeof cell === "number" ? cell.toLocaleString("en") : cell))),
  ];
  const widths = headers.map((_, column) =>
    Math.max(...cells.map((row) => String(row[column] ?? "").length)),
  );
  for (const [index, row] of cells.entries()) {
    const text = row
      .map((cell, column) =>
        column === 0 ? String(cell).padEnd(widths[column] ?? 0) : String(cell).padStart(widths[column] ?? 0),
      )
      .join("  ");
    console.log(`  ${text}`);
    if (index === 0) console.log(`  ${widths.map((width) => "-".repeat(width)).join("  ")}`);
  }
}
