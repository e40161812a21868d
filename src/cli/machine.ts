/**
 * `ratchet machine …`: read a machine, a page of machines or a page of a machine's journal straight from storage,
 * or run one step on a machine (start, call, repair, simple repair, notify, remove, pause, resume, retry now)
 * through a node built from the configuration, with its scheduler and relays off, closed when the step is
 * committed (and any step due at once after it, which the node runs before it closes). Its steps still write their
 * outbox records; a serving node's relays publish them.
 */

import { parseArgs } from "node:util";
import { coerceError, InvalidRequestError } from "../core/errors.js";
import type { HistoryRange } from "../core/history-range.js";
import { validateHistoryRange } from "../core/history-range.js";
import { DEFAULT_LIMITS } from "../core/limits.js";
import type { Payload } from "../core/machine.js";
import { MACHINE_STATUSES } from "../core/machine.js";
import { STEPS_PAGE_DEFAULT } from "../engine/journal-queries.js";
import { readMachineSnapshot } from "../engine/read-machine.js";
import { cursorIdOf, cursorOf } from "../http/api/request-parts.js";
import { valueFromJson } from "../mg/msgpack/msgpack-json.js";
import { encodeValue } from "../mg/msgpack/msgpack-value.js";
import { valueFromNaturalJson } from "../mg/msgpack/natural-json.js";
import type { RatchetNode } from "../runtime/create-node.js";
import { createNodeFromConfig } from "../runtime/node-from-config.js";
import type { MachineSearchStatus } from "../storage/operator-queries.js";
import { cliActor } from "./audit.js";
import type { CliIo } from "./command-arguments.js";
import { positionalArguments, UsageError, wholeNumberOption } from "./command-arguments.js";
import { EXIT } from "./exit-codes.js";
import { listMachineSteps } from "./machine-steps.js";
import {
  machineLines,
  machineSummary,
  machineSummaryLine,
  machineView,
  type PayloadForm,
  payloadText,
  payloadView,
} from "./machine-view.js";
import type { StorageTarget } from "./storage-target.js";
import {
  checkNamespace,
  openExistingStorage,
  requireConfig,
  STORAGE_OPTIONS,
  STORAGE_USAGE,
  storageTargetOf,
} from "./storage-target.js";

/** Events `machine get` shows when no --limit is given: a terminal's worth, with a hint for the next page. */
export const GET_EVENTS_DEFAULT = 100;
/** Machines `machine list` shows when no --limit is given, and the most it shows at once. */
export const LIST_MACHINES_DEFAULT = 100;
export const LIST_MACHINES_MAX = 10_000;
/** Journal entries `machine get` shows, newest last. */
export const GET_STEPS_DEFAULT = 5;

export const MACHINE_USAGE = `usage: ratchet machine <command> … ${STORAGE_USAGE}

  get NS ID [--after N] [--limit N] [--backward] [--json]
        status (failure reason and previous status, pause), timer, aux state, the journal's last
        ${GET_STEPS_DEFAULT} steps and a page of events (${GET_EVENTS_DEFAULT} unless --limit says otherwise)
  list NS [--after ID] [--limit N] [--json]
        machines by id, ${LIST_MACHINES_DEFAULT} at a time unless --limit says otherwise
  search NS [--status S] [--prefix P] [--limit N] [--cursor C] [--json]
        machines by status (idle, waiting, retrying, paused, failed, or working: idle, waiting or retrying) and id prefix,
        by id, ${LIST_MACHINES_DEFAULT} at a time; --cursor continues where the last page said
  steps NS ID [--after N] [--limit N] [--backward] [--json]
        a page of the machine's step journal (${STEPS_PAGE_DEFAULT} unless --limit says otherwise), --json one per line
  start NS ID --args JSON           create the machine through its processor (needs --config)
  call NS ID --args JSON [--json]   run a call and print the processor's response (needs --config)
  repair NS ID --args JSON [--json] repair a failed machine through its processor (needs --config)
  simple-repair NS ID               return a failed (or paused) machine to its previous status (needs --config)
  notify NS ID --args JSON          store a notification and print its id; a serving node delivers it
  remove NS ID                      remove the machine with its history (needs --config)
  pause NS ID --reason TEXT         pause a working machine: its pending step waits, calls are refused
  resume NS ID                      run a paused machine's pending step again, with fresh retries
  retry-now NS ID                   run the pending step now: a retry without its backoff, or the timer

--args is natural JSON, as the JSON API takes it: plain JSON is itself ({"amount": 100}); {"$int": "<decimal>"},
{"$float": 2}, {"$bytes": "<base64>"}, {"$map": [[key, value], ..]} for what JSON lacks. With --args-msgpack-json
it is the readable JSON form of one msgpack.Value instead ({"bin": "<base64>"}, {"obj": [[key, value], ..]}).
Payloads are printed in natural JSON too; --msgpack-json (get, call, repair) prints them in the msgpack.Value form.`;

const STEP_COMMANDS = [
  "start",
  "call",
  "repair",
  "simple-repair",
  "notify",
  "remove",
  "pause",
  "resume",
  "retry-now",
] as const;
type StepCommand = (typeof STEP_COMMANDS)[number];
const COMMANDS_WITH_ARGS: ReadonlySet<StepCommand> = new Set(["start", "call", "repair", "notify"]);

export async function runMachineCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (command === "get") return getMachine(rest, io);
  if (command === "list") return listMachines(rest, io);
  if (command === "search") return searchMachines(rest, io);
  if (command === "steps") return listMachineSteps(rest, io);
  const step = STEP_COMMANDS.find((name) => name === command);
  if (step !== undefined) return runStep(step, rest, io);
  const problem = command === undefined ? "missing command" : `unknown command ${JSON.stringify(command)}`;
  throw new UsageError(`machine: ${problem}`, MACHINE_USAGE);
}

async function getMachine(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...STORAGE_OPTIONS,
      after: { type: "string" },
      limit: { type: "string" },
      backward: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      "msgpack-json": { type: "boolean", default: false },
    },
  });
  const [namespace, machineId] = positionalArguments(positionals, ["NS", "ID"]);
  const form = values["msgpack-json"] ? "msgpack-json" : "natural";
  const target = await storageTargetOf(values, io);
  checkNamespace(target, namespace);
  const range = historyRangeOf(values, target, namespace);
  const limits = target.config?.namespaces[namespace]?.limits ?? DEFAULT_LIMITS;
  const storage = await openExistingStorage(target);
  try {
    const read = await readMachineSnapshot(storage, { namespace, machineId, range, limits });
    const newest = {
      after: Number.MAX_SAFE_INTEGER,
      limit: GET_STEPS_DEFAULT,
      direction: "backward",
    } as const;
    const steps = (await storage.listSteps(namespace, machineId, newest)).reverse();
    if (values.json) io.write(JSON.stringify(machineView(read.record, read.history, range, steps, form)));
    else for (const line of machineLines(read.record, read.history, range, steps, form)) io.write(line);
    return EXIT.ok;
  } finally {
    await storage.close();
  }
}

function historyRangeOf(
  values: { after?: string | undefined; limit?: string | undefined; backward?: boolean | undefined },
  target: StorageTarget,
  namespace: string,
): HistoryRange {
  const limits = target.config?.namespaces[namespace]?.limits ?? DEFAULT_LIMITS;
  const after = wholeNumberOption(values.after, "--after", { min: 0 });
  const limit = wholeNumberOption(values.limit, "--limit", {
    min: 0,
    max: limits.historyPageEventsMax,
    fallback: GET_EVENTS_DEFAULT,
  });
  return validateHistoryRange({ after, limit, direction: values.backward ? "backward" : "forward" });
}

async function listMachines(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...STORAGE_OPTIONS,
      after: { type: "string" },
      limit: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const [namespace] = positionalArguments(positionals, ["NS"]);
  const limit = wholeNumberOption(values.limit, "--limit", {
    min: 1,
    max: LIST_MACHINES_MAX,
    fallback: LIST_MACHINES_DEFAULT,
  })!;
  const target = await storageTargetOf(values, io);
  checkNamespace(target, namespace);
  const storage = await openExistingStorage(target);
  try {
    const records = await storage.listMachines(namespace, {
      ...(values.after === undefined ? {} : { afterId: values.after }),
      limit,
    });
    const nextAfter = records.length === limit ? (records.at(-1)?.id ?? null) : null;
    if (values.json) {
      io.write(JSON.stringify({ namespace, machines: records.map(machineSummary), nextAfter }));
      return EXIT.ok;
    }
    for (const record of records) io.write(machineSummaryLine(record));
    if (nextAfter !== null) io.write(`more: --after ${JSON.stringify(nextAfter)}`);
    return EXIT.ok;
  } finally {
    await storage.close();
  }
}

async function runStep(command: StepCommand, args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...STORAGE_OPTIONS,
      args: { type: "string" },
      "args-msgpack-json": { type: "boolean", default: false },
      "msgpack-json": { type: "boolean", default: false },
      reason: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const [namespace, machineId] = positionalArguments(positionals, ["NS", "ID"]);
  const takesArgs = COMMANDS_WITH_ARGS.has(command);
  if (takesArgs && values.args === undefined) throw new UsageError(`machine ${command} needs --args JSON`);
  if (!takesArgs && values.args !== undefined) throw new UsageError(`machine ${command} takes no --args`);
  const reason = pauseReasonOf(command, values.reason);
  // Read before a node starts, so a bad argument costs nothing.
  const payload =
    values.args === undefined ? new Uint8Array(0) : argsPayload(values.args, values["args-msgpack-json"]);
  const target = await storageTargetOf(values, io);
  const config = requireConfig(target, "the namespace's processors come from the configuration");
  checkNamespace(target, namespace);
  const node = await createNodeFromConfig(config, {
    schedulerEnabled: false,
    relaysEnabled: false,
    migrate: false,
    onError: (error, context) => io.warn(`error: ${coerceError(error).message} ${JSON.stringify(context)}`),
  });
  try {
    const form = values["msgpack-json"] ? "msgpack-json" : "natural";
    const result = await stepOf(node, command, { namespace, machineId, args: payload, reason, form });
    io.write(values.json ? JSON.stringify({ namespace, id: machineId, ...result.json }) : result.text);
    return EXIT.ok;
  } finally {
    await node.close();
  }
}

/** `--reason`: required by pause, which keeps it with the machine; no other step takes one. */
function pauseReasonOf(command: StepCommand, reason: string | undefined): string {
  if (command === "pause" && reason === undefined) throw new UsageError("machine pause needs --reason TEXT");
  if (command !== "pause" && reason !== undefined)
    throw new UsageError(`machine ${command} takes no --reason`);
  return reason ?? "";
}

/** Runs the step under the CLI's actor (so it is audited); returns what to print. */
async function stepOf(
  node: RatchetNode,
  command: StepCommand,
  step: { namespace: string; machineId: string; args: Payload; reason: string; form: PayloadForm },
): Promise<{ text: string; json: Record<string, unknown> }> {
  const { engine } = node;
  const { namespace, machineId, args } = step;
  const asActor = { actor: cliActor() };
  const done = (word: string) => ({ text: word, json: { done: word } });
  switch (command) {
    case "start":
      await engine.start(namespace, machineId, args, asActor);
      return done("started");
    case "call":
    case "repair": {
      const response = payloadView(await engine[command](namespace, machineId, args, asActor), step.form);
      return { text: payloadText(response), json: { response } };
    }
    case "simple-repair":
      await engine.simpleRepair(namespace, machineId, asActor);
      return done("repaired");
    case "notify": {
      const notificationId = await engine.notify(namespace, machineId, args, asActor);
      return { text: notificationId, json: { notificationId } };
    }
    case "remove":
      await engine.remove(namespace, machineId, asActor);
      return done("removed");
    case "pause":
      await engine.pause(namespace, machineId, step.reason, asActor);
      return done("paused");
    case "resume":
      await engine.resume(namespace, machineId, asActor);
      return done("resumed");
    case "retry-now":
      await engine.retryNow(namespace, machineId, asActor);
      return done("retrying now");
  }
}

/** `--args` natural JSON (or msgpack's readable JSON) → msgpack.Value → the stored bytes. */
function argsPayload(text: string, msgpackJson: boolean): Payload {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--args is not JSON: ${coerceError(error).message}`);
  }
  try {
    return encodeValue(msgpackJson ? valueFromJson(json, "--args") : valueFromNaturalJson(json, "--args"));
  } catch (error) {
    if (error instanceof InvalidRequestError) throw new UsageError(error.message);
    throw error;
  }
}

const SEARCH_STATUSES: readonly MachineSearchStatus[] = [...MACHINE_STATUSES, "working"];

async function searchMachines(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...STORAGE_OPTIONS,
      status: { type: "string" },
      prefix: { type: "string" },
      limit: { type: "string" },
      cursor: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const [namespace] = positionalArguments(positionals, ["NS"]);
  const status = SEARCH_STATUSES.find((name) => name === values.status);
  if (values.status !== undefined && status === undefined) {
    throw new UsageError(
      `--status must be one of ${SEARCH_STATUSES.join(", ")}; got ${JSON.stringify(values.status)}`,
    );
  }
  const limit = wholeNumberOption(values.limit, "--limit", {
    min: 1,
    max: LIST_MACHINES_MAX,
    fallback: LIST_MACHINES_DEFAULT,
  })!;
  const afterId = usageOf(() => cursorIdOf(values.cursor));
  const target = await storageTargetOf(values, io);
  checkNamespace(target, namespace);
  const storage = await openExistingStorage(target);
  try {
    const records = await storage.searchMachines(namespace, {
      limit,
      ...(status === undefined ? {} : { status }),
      ...(values.prefix === undefined ? {} : { idPrefix: values.prefix }),
      ...(afterId === undefined ? {} : { afterId }),
    });
    const last = records.at(-1);
    const nextCursor = records.length === limit && last !== undefined ? cursorOf(last.id) : null;
    if (values.json) {
      io.write(JSON.stringify({ namespace, machines: records.map(machineSummary), nextCursor }));
      return EXIT.ok;
    }
    for (const record of records) io.write(machineSummaryLine(record));
    if (nextCursor !== null) io.write(`more: --cursor ${nextCursor}`);
    return EXIT.ok;
  } finally {
    await storage.close();
  }
}

/** A bad option value that a reader refuses with InvalidRequestError is a usage error here. */
function usageOf<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof InvalidRequestError) throw new UsageError(error.message);
    throw error;
  }
}
