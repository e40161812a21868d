/** The soak's figures and check results as printed lines. */
import type { CheckResult } from "./checker.js";
import { FAULT_KINDS } from "./fault-plan.js";
import type { SoakOutcome } from "./soak.js";
import type { Tally } from "./workload.js";

function tallyText(tally: Tally): string {
  const entries = Object.entries(tally).sort(([left], [right]) =>
    left === "ok" ? -1 : right === "ok" ? 1 : 0,
  );
  return entries.length === 0 ? "none" : entries.map(([label, count]) => `${label} ${count}`).join(", ");
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

export function figureLines(outcome: SoakOutcome): string[] {
  const { injector, workload, processor, nodes } = outcome;
  const injected = sum(Object.values(injector.injected));
  const machines = [...workload.machines.values()];
  const targets = machines.map((machine) => machine.target);
  const rerunInvocations = processor.reruns.invoked;
  const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
  return [
    "figures:",
    `  faults injected: ${injected} of ${outcome.plan.length} planned (${FAULT_KINDS.map((kind) => `${kind} ${injector.injected[kind]}`).join(", ")}); node faults skipped (no node up): ${injector.skipped}`,
    `  machines: ${machines.length} (targets ${Math.min(...targets)}..${Math.max(...targets)} steps); steps committed: ${outcome.stepsCommitted}; drained: ${outcome.drained ? "yes" : "no"}`,
    `  starts: ${tallyText(workload.starts)}`,
    `  calls: ${tallyText(workload.calls)}`,
    `  simple repairs (machines failed by injected 500s): ${tallyText(workload.repairs)}`,
    `  processor invocations: ${processor.invocations} (answered ${processor.ends.answered}, stopped at the deadline ${processor.ends.deadline}, caller hung up ${processor.ends.hangup}); arrived past the deadline: ${processor.lateArrivals}; without a deadline: ${processor.withoutDeadline}`,
    `  processor misbehaved: 503 ${processor.misbehaved.unavailable}, no answer ${processor.misbehaved.timeout}, slower than the lease ${processor.misbehaved.slow}, 500 ${processor.misbehaved.fatal}`,
    `  re-runs: ${rerunInvocations} invocations of a step already invoked (retries, re-claims); ${processor.reruns.answered} steps answered more than once`,
    `  NATS stream: ${outcome.streamMessages} messages, ${outcome.sinkDuplicates} duplicates`,
    `  PostgreSQL backends terminated: ${injector.backendsTerminated}`,
    `  nodes: ${nodes.map((node) => `${node.name} started ${node.starts}×, peak RSS ${mib(node.rssPeakKib)}, ${node.errorLines} error lines`).join("; ")}`,
  ];
}

export function checkLines(results: readonly CheckResult[]): string[] {
  const lines: string[] = [];
  for (const check of results) {
    lines.push(`${check.passed ? "PASS" : "FAIL"}  ${check.name}`);
    for (const detail of check.details) lines.push(`        ${detail}`);
  }
  return lines;
}
