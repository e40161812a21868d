/**
 * `ratchet outbox status --config FILE`: for each configured sink, how many committed records wait in the outbox
 * and how long the oldest has waited (now − its commit time). A growing lag means the sink's relay is not
 * keeping up, or no node publishes it (its broker is down, or no node runs relays).
 */
import { parseArgs } from "node:util";
import { formatTimestampUs, MICROSECONDS_PER_MILLISECOND } from "../core/time.js";
import { describeSinkTarget, sinkPlansOf } from "../runtime/sinks-from-config.js";
import { SystemClock } from "../runtime/system-clock.js";
import type { CliIo } from "./command-arguments.js";
import { UsageError } from "./command-arguments.js";
import { EXIT } from "./exit-codes.js";
import { OUTBOX_PARKED_USAGE, runParkedCommand } from "./outbox-parked.js";
import { openExistingStorage, requireConfig, STORAGE_OPTIONS, storageTargetOf } from "./storage-target.js";
import { durationText, tableLines } from "./text-format.js";

export const OUTBOX_USAGE = `usage: ratchet outbox <command> --config FILE …

  status [--json]
           per configured sink: records waiting in the outbox, the lag (now − the oldest one's commit time),
           and the records parked because the sink rejected them for good
${OUTBOX_PARKED_USAGE}`;

export interface SinkBacklog {
  readonly sink: string;
  readonly target: string;
  readonly records: number;
  readonly parked: number;
  /** Commit time of the oldest waiting record; null when none waits. */
  readonly oldestCommittedAt: string | null;
  readonly lagMs: number | null;
}

const PARKED_COMMANDS: ReadonlySet<string> = new Set(["parked", "requeue", "drop", "replay"]);

export async function runOutboxCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (command !== undefined && PARKED_COMMANDS.has(command)) return runParkedCommand(command, rest, io);
  if (command !== "status") {
    const problem = command === undefined ? "missing command" : `unknown command ${JSON.stringify(command)}`;
    throw new UsageError(`outbox: ${problem}`, OUTBOX_USAGE);
  }
  const { values } = parseArgs({
    args: rest,
    options: { ...STORAGE_OPTIONS, json: { type: "boolean", default: false } },
  });
  const target = await storageTargetOf(values, io);
  const config = requireConfig(target, "sink names come from the configuration");
  const plans = sinkPlansOf(config);
  const storage = await openExistingStorage(target);
  const backlogs: SinkBacklog[] = [];
  try {
    const clock = new SystemClock();
    for (const plan of plans) {
      const backlog = await storage.outboxBacklog(plan.name);
      const oldestUs = backlog.oldestCreatedAtUs;
      backlogs.push({
        sink: plan.name,
        target: describeSinkTarget(plan.target),
        records: backlog.records,
        parked: backlog.parked,
        oldestCommittedAt: oldestUs === null ? null : formatTimestampUs(oldestUs),
        lagMs:
          oldestUs === null ? null : Math.max(0, (clock.nowUs() - oldestUs) / MICROSECONDS_PER_MILLISECOND),
      });
    }
  } finally {
    await storage.close();
  }
  if (values.json) io.write(JSON.stringify({ sinks: backlogs }));
  else if (backlogs.length === 0) io.write("no sinks are configured");
  else for (const line of backlogLines(backlogs)) io.write(line);
  return EXIT.ok;
}

function backlogLines(backlogs: readonly SinkBacklog[]): string[] {
  const rows = backlogs.map((backlog) => [
    backlog.sink,
    String(backlog.records),
    backlog.lagMs === null ? "-" : durationText(backlog.lagMs),
    String(backlog.parked),
    backlog.target,
  ]);
  return tableLines(["sink", "records", "lag", "parked", "target"], rows);
}
