/**
 * What the soak proves, from what it gathered after the drain: each machine's history as the Automaton reads
 * it, the processor's records, the stream read back from NATS, the nodes' RSS peaks. Each check passes or
 * fails with the details of every violation (the first DETAILS_MAX of them), named by machine, with the faults
 * injected around it.
 */
import type { InjectedFault } from "./fault-injector.js";
import type { Invocation, Overlap } from "./overlap-detector.js";
import type { ProcessorReport } from "./processor-link.js";
import type { PublishedEvent } from "./stream-reader.js";

export interface HistoryEvent {
  readonly id: number;
  /** The step the body records; undefined when the body is not a chain event. */
  readonly step: number | undefined;
  readonly kind: string;
  readonly createdAtMs: number;
}

export interface MachineHistory {
  readonly failedReason: string | undefined;
  readonly timerSet: boolean;
  readonly events: readonly HistoryEvent[];
}

export interface SoakEvidence {
  readonly machines: readonly { readonly id: string; readonly target: number }[];
  /** Each machine's history, or why it could not be read. */
  readonly histories: ReadonlyMap<string, MachineHistory | string>;
  readonly processor: ProcessorReport;
  readonly published: readonly PublishedEvent[];
  readonly nodes: readonly { readonly name: string; readonly rssPeakKib: number }[];
  readonly rssBoundKib: number;
  readonly faults: readonly InjectedFault[];
  readonly faultErrors: readonly string[];
  /** An epoch instant as the soak's log writes it (`+12.345 s`). */
  readonly offsetOf: (epochMs: number) => string;
}

export interface CheckResult {
  readonly name: string;
  readonly passed: boolean;
  /** Lines; a violation's own further lines are indented. */
  readonly details: readonly string[];
}

/** One violation: its line, then lines that explain it. */
type Violation = readonly string[];

const DETAILS_MAX = 20;
/** A violation is shown with the faults injected from this long before it began until it was seen. */
const FAULT_CONTEXT_MS = 5000;

function result(name: string, violations: readonly Violation[]): CheckResult {
  const details = violations
    .slice(0, DETAILS_MAX)
    .flatMap(([line, ...more]) => [line ?? "", ...more.map((each) => `  ${each}`)]);
  if (violations.length > DETAILS_MAX) details.push(`… and ${violations.length - DETAILS_MAX} more`);
  return { name, passed: violations.length === 0, details };
}

/** The faults injected from FAULT_CONTEXT_MS before `fromMs` until `toMs`. */
function faultsAround(evidence: SoakEvidence, fromMs: number, toMs: number): string {
  const near = evidence.faults.filter(
    (fault) => fault.atMs >= fromMs - FAULT_CONTEXT_MS && fault.atMs <= toMs,
  );
  const listed = near.map(
    (fault) => `${fault.number} ${fault.kind} at ${evidence.offsetOf(fault.atMs)} (${fault.description})`,
  );
  return `faults injected from ${FAULT_CONTEXT_MS / 1000} s before: ${listed.join("; ") || "none"}`;
}

function readable(evidence: SoakEvidence): [string, MachineHistory][] {
  return [...evidence.histories].filter(
    (entry): entry is [string, MachineHistory] => typeof entry[1] !== "string",
  );
}

/** A history's violation, with its events and the faults around the event that broke it. */
function historyViolation(
  evidence: SoakEvidence,
  history: MachineHistory,
  index: number,
  line: string,
): Violation {
  const events = history.events
    .map((event) => `${event.id}:${event.step ?? "?"}${event.kind.slice(0, 1)}`)
    .join(" ");
  const event = history.events[index];
  const before = history.events[index - 1] ?? event;
  const context =
    event === undefined ? [] : [faultsAround(evidence, before?.createdAtMs ?? 0, event.createdAtMs)];
  return [line, `events (id:step, i init, t timer, c call): ${events}`, ...context];
}

function contiguousIds(evidence: SoakEvidence): CheckResult {
  const violations: Violation[] = [];
  for (const [id, history] of readable(evidence)) {
    const wrong = history.events.findIndex((event, index) => event.id !== index + 1);
    if (wrong < 0) continue;
    const line = `${id}: event ${wrong + 1} of the history has id ${history.events[wrong]?.id}`;
    violations.push(historyViolation(evidence, history, wrong, line));
  }
  return result("event ids contiguous from 1 for every machine", violations);
}

function stepsOnceInOrder(evidence: SoakEvidence): CheckResult {
  const violations: Violation[] = [];
  for (const [id, history] of readable(evidence)) {
    const wrong = history.events.findIndex((event, index) => event.step !== index + 1);
    if (wrong < 0) continue;
    const event = history.events[wrong];
    const line = `${id}: event ${event?.id} records step ${event?.step ?? "none"} (${event?.kind})`;
    violations.push(historyViolation(evidence, history, wrong, line));
  }
  return result("each step exactly once and in order (step k in event k)", violations);
}

function invocationText(invocation: Invocation, offsetOf: (epochMs: number) => string): string {
  const deadline =
    invocation.deadlineMs === null ? "no deadline" : `deadline ${offsetOf(invocation.deadlineMs)}`;
  const end =
    invocation.endMs === null
      ? "still in flight"
      : `ended (${invocation.end}) at ${offsetOf(invocation.endMs)}`;
  return `${invocation.node} ${invocation.method}/${invocation.kind} at step ${invocation.step}, started ${offsetOf(invocation.startMs)} (${deadline}), ${end}`;
}

function overlapViolation(evidence: SoakEvidence, overlap: Overlap): Violation {
  const { offsetOf } = evidence;
  const lastStartMs = Math.max(...overlap.seconds.map((second) => second.startMs));
  return [
    `${overlap.machineId}: ${invocationText(overlap.first, offsetOf)}; ${overlap.count} more started while it was in flight`,
    ...overlap.seconds.map((second) => `overlapped by ${invocationText(second, offsetOf)}`),
    faultsAround(evidence, overlap.first.startMs, lastStartMs),
  ];
}

function noOverlaps(evidence: SoakEvidence): CheckResult {
  const { processor } = evidence;
  const violations = processor.overlaps.map((overlap) => overlapViolation(evidence, overlap));
  const kept = processor.overlaps.reduce((total, overlap) => total + overlap.count, 0);
  if (processor.overlapCount > kept)
    violations.push([`${processor.overlapCount - kept} more overlaps, not kept`]);
  const name = `no overlapping processor invocations per machine (${processor.overlapCount} overlapping pairs)`;
  return result(name, violations);
}

function everyMachineFinished(evidence: SoakEvidence): CheckResult {
  const violations: Violation[] = [];
  for (const machine of evidence.machines) {
    const history = evidence.histories.get(machine.id);
    if (history === undefined || typeof history === "string") {
      violations.push([`${machine.id}: not read (${history ?? "never started"})`]);
      continue;
    }
    const last = history.events.at(-1);
    if (history.failedReason !== undefined)
      violations.push([`${machine.id}: failed: ${history.failedReason}`]);
    else if (history.timerSet || last?.step !== machine.target) {
      const timer = history.timerSet ? ", timer set" : "";
      violations.push([`${machine.id}: at step ${last?.step ?? 0} of ${machine.target}${timer}`]);
    }
  }
  return result("every machine finished", violations);
}

/** Each machine's published events in stream order, first copies only, and how many copies came again. */
function firstCopies(published: readonly PublishedEvent[]): {
  byMachine: Map<string, PublishedEvent[]>;
  duplicates: number;
} {
  const seen = new Set<string>();
  const byMachine = new Map<string, PublishedEvent[]>();
  let duplicates = 0;
  for (const event of published) {
    const key = `${event.machineId}\n${event.eventId}`;
    if (seen.has(key)) {
      duplicates += 1;
      continue;
    }
    seen.add(key);
    const list = byMachine.get(event.machineId) ?? [];
    list.push(event);
    byMachine.set(event.machineId, list);
  }
  return { byMachine, duplicates };
}

function everyEventPublishedInOrder(evidence: SoakEvidence): { check: CheckResult; duplicates: number } {
  const { byMachine, duplicates } = firstCopies(evidence.published);
  const violations: Violation[] = [];
  for (const [id, history] of readable(evidence)) {
    const stream = byMachine.get(id) ?? [];
    byMachine.delete(id);
    const matches = (event: HistoryEvent, index: number) =>
      stream[index]?.eventId === event.id && stream[index]?.step === event.step;
    if (stream.length === history.events.length && history.events.every(matches)) continue;
    const order = stream.map((event) => event.eventId).join(",") || "none";
    violations.push([`${id}: committed ${history.events.length} events; the stream holds ids ${order}`]);
  }
  for (const id of byMachine.keys()) violations.push([`${id}: in the stream, but no such machine was read`]);
  const name = `every committed event in NATS, in per-machine order (${duplicates} duplicates)`;
  return { check: result(name, violations), duplicates };
}

function rssBounded(evidence: SoakEvidence): CheckResult {
  const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
  const violations = evidence.nodes
    .filter((node) => node.rssPeakKib > evidence.rssBoundKib || node.rssPeakKib === 0)
    .map((node) => [
      `${node.name}: peak VmRSS ${node.rssPeakKib === 0 ? "never sampled" : mib(node.rssPeakKib)}`,
    ]);
  return result(`node RSS bounded (peak VmRSS of every node ≤ ${mib(evidence.rssBoundKib)})`, violations);
}

export function runChecks(evidence: SoakEvidence): { results: CheckResult[]; sinkDuplicates: number } {
  const published = everyEventPublishedInOrder(evidence);
  return {
    results: [
      contiguousIds(evidence),
      stepsOnceInOrder(evidence),
      noOverlaps(evidence),
      everyMachineFinished(evidence),
      published.check,
      rssBounded(evidence),
      result(
        "every fault injected and healed",
        evidence.faultErrors.map((error) => [error]),
      ),
    ],
    sinkDuplicates: published.duplicates,
  };
}
