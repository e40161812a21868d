/**
 * `ratchet outbox parked|requeue|drop|replay`: what an operator does about records a sink rejected for good, and
 * about a consumer that lost events. `parked` lists the parked records; `requeue` puts them back at their old
 * positions (published in order, before their machine's held-back records), `drop` deletes them for good (the
 * held-back records then flow); `replay` writes a machine's (or a namespace's) committed events into a sink's
 * outbox again. A serving node's relay publishes what these leave in the outbox.
 */
import { parseArgs } from "node:util";
import { formatTimestampUs } from "../core/time.js";
import { sinkPlansOf } from "../runtime/sinks-from-config.js";
import { describeRecord } from "../sinks/sink.js";
import type { ParkedOutboxRecord } from "../storage/outbox-store.js";
import type { Storage } from "../storage/storage.js";
import type { CliIo } from "./command-arguments.js";
import { UsageError, wholeNumberOption } from "./command-arguments.js";
import { EXIT } from "./exit-codes.js";
import { openExistingStorage, requireConfig, STORAGE_OPTIONS, storageTargetOf } from "./storage-target.js";

/** Parked records one `parked` shows, and one `requeue --all` or `drop --all` moves at a time. */
const PARKED_PAGE_MAX = 1000;

export const OUTBOX_PARKED_USAGE = `  parked [--sink SINK] [--json]
           records a sink rejected for good, with the reason; their machine's later records wait for them
  requeue --sink SINK (--position N ... | --all)
           put parked records back at their old positions: published again, in order
  drop --sink SINK (--position N ... | --all)
           delete parked records for good; their machine's waiting records are then published
  replay --sink SINK NS [ID] [--after-event N]
           write a machine's (or every machine's of NS) committed events into the sink's outbox again`;

/** Runs one of the parked-record commands; `command` is known to be one of them. */
export async function runParkedCommand(command: string, args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...STORAGE_OPTIONS,
      sink: { type: "string" },
      position: { type: "string", multiple: true },
      all: { type: "boolean", default: false },
      "after-event": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const target = await storageTargetOf(values, io);
  const config = requireConfig(target, "sink names come from the configuration");
  const sinks = sinkPlansOf(config).map((plan) => plan.name);
  const sink = values.sink;
  if (sink !== undefined && !sinks.includes(sink)) {
    throw new UsageError(
      `--sink ${JSON.stringify(sink)} is not a configured sink (${sinks.join(", ") || "none"})`,
    );
  }
  const storage = await openExistingStorage(target);
  try {
    if (command === "parked") return await listParked(storage, { sink, json: values.json }, io);
    if (sink === undefined) throw new UsageError(`${command} needs --sink SINK`);
    if (command === "replay") return await replay(storage, sink, positionals, values["after-event"], io);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const positions = await positionsOf(storage, sink, values);
    const moved =
      command === "requeue"
        ? await storage.requeueParked({ sink, positions })
        : await storage.dropParked({ sink, positions });
    io.write(
      `${command === "requeue" ? "requeued" : "dropped"} ${moved} of ${positions.length} parked records`,
    );
    return EXIT.ok;
  } finally {
    await storage.close();
  }
}

async function listParked(
  storage: Storage,
  options: { sink: string | undefined; json: boolean },
  io: CliIo,
): Promise<number> {
  const parked = await storage.listParked({
    ...(options.sink === undefined ? {} : { sink: options.sink }),
    limit: PARKED_PAGE_MAX,
  });
  if (options.json) {
    io.write(JSON.stringify({ parked: parked.map(parkedView) }));
  } else if (parked.length === 0) {
    io.write("no parked records");
  } else {
    for (const entry of parked) {
      io.write(
        `${entry.position}  ${entry.sink}  ${describeRecord(entry.record)}  parked ${formatTimestampUs(entry.parkedAtUs)}`,
      );
      io.write(`    ${entry.reason}`);
    }
  }
  return EXIT.ok;
}

function parkedView(entry: ParkedOutboxRecord) {
  const { record } = entry;
  return {
    position: entry.position,
    sink: entry.sink,
    namespace: record.namespace,
    machineId: record.machineId,
    kind: record.kind,
    ...(record.kind === "event" ? { eventId: record.eventId } : { change: record.change.kind }),
    reason: entry.reason,
    parkedAt: formatTimestampUs(entry.parkedAtUs),
  };
}

async function positionsOf(
  storage: Storage,
  sink: string,
  values: { position?: string[] | undefined; all?: boolean | undefined },
): Promise<number[]> {
  const given = values.position ?? [];
  if (values.all === true && given.length > 0) throw new UsageError("give --position N or --all, not both");
  if (values.all === true)
    return (await storage.listParked({ sink, limit: PARKED_PAGE_MAX })).map((entry) => entry.position);
  if (given.length === 0) throw new UsageError("needs --position N (repeatable) or --all");
  return given.map((position) => wholeNumberOption(position, "--position", { min: 1 }) as number);
}

async function replay(
  storage: Storage,
  sink: string,
  positionals: readonly string[],
  afterEvent: string | undefined,
  io: CliIo,
): Promise<number> {
  const [namespace, machineId, extra] = positionals;
  if (namespace === undefined) throw new UsageError("replay needs NS");
  if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
  const afterEventId = wholeNumberOption(afterEvent, "--after-event", { min: 0, fallback: 0 }) as number;
  const written = await storage.replayEvents({
    sink,
    namespace,
    ...(machineId === undefined ? {} : { machineId }),
    afterEventId,
  });
  const what = machineId === undefined ? `the machines of ${namespace}` : `${namespace}/${machineId}`;
  io.write(`replayed ${written} events of ${what} to ${sink}; a serving node's relay publishes them`);
  return EXIT.ok;
}
