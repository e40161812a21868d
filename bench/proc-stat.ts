/**
 * CPU time of another process from Linux's /proc/<pid>/stat: user + system time in clock ticks (fields 14 and
 * 15). The command name (field 2) may hold spaces and parentheses, so fields are counted after its last ")".
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

export interface ProcessTicks {
  readonly utimeTicks: number;
  readonly stimeTicks: number;
}

/** Parses the text of /proc/<pid>/stat. Throws on text that is not one. */
export function parseProcStat(text: string): ProcessTicks {
  const close = text.lastIndexOf(")");
  if (close < 0) throw new Error("not a /proc/<pid>/stat line: no command name");
  // After ") " come field 3 (state) onwards: utime is field 14, so index 11 here, stime index 12.
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const utimeTicks = Number(fields[11]);
  const stimeTicks = Number(fields[12]);
  if (!Number.isInteger(utimeTicks) || !Number.isInteger(stimeTicks)) {
    throw new Error("not a /proc/<pid>/stat line: utime or stime is not a whole number");
  }
  return { utimeTicks, stimeTicks };
}

let ticksPerSecond: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`, 100 on every Linux we run on). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU µs a process has used so far; undefined once it is gone. */
export function processCpuUs(pid: number): number | undefined {
  try {
    const ticks = parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
    return ((ticks.utimeTicks + ticks.stimeTicks) * 1_000_000) / clockTicksPerSecond();
  } catch {
    return undefined;
  }
}
