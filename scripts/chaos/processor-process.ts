/**
 * The soak's processor, in a process of its own: MG's Processor service over woody (the project's codec and
 * router), running the chain of chain.ts for every node at `/v1/stateproc/<node>`. It honours `woody.deadline`:
 * once the deadline passes it stops the work and answers nothing (the connection is closed). Every invocation
 * goes through the overlap detector, and the soak's faults (processor-faults.ts) decide how it misbehaves.
 *
 * Arguments: the seed, and the work time of a normal step in ms. It exits when the soak's IPC channel closes.
 */
import http, { type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { stateProcessing } from "../../src/mg/thrift/generated/index.js";
import { MG_SCHEMA, stateProcessing as processing } from "../../src/mg/thrift/generated/index.js";
import type { WoodyContext } from "../../src/mg/woody/context.js";
import { WoodySystemError } from "../../src/mg/woody/errors.js";
import { createWoodyService } from "../../src/mg/woody/service-router.js";
import { callResult, signalResult, stepOfSnapshot } from "./chain.js";
import { OverlapDetector } from "./overlap-detector.js";
import { ProcessorFaults } from "./processor-faults.js";
import { type FromProcessor, INJECTED_FATAL_REASON, type ToProcessor } from "./processor-link.js";
import { createRandom } from "./random.js";

/** A request without a deadline is held at most this long by a timeout fault. */
const NO_DEADLINE_HOLD_MS = 120_000;
const PATH = /^\/v1\/stateproc\/([A-Za-z0-9-]+)$/;

const seed = Number(process.argv[2]);
const workMs = Number(process.argv[3]);
const detector = new OverlapDetector();
const faults = new ProcessorFaults(createRandom(seed).fork("processor"));
const requests = { lateArrivals: 0, withoutDeadline: 0 };

interface InvocationRequest {
  readonly node: string;
  readonly response: ServerResponse;
  readonly context: WoodyContext;
  readonly method: "ProcessSignal" | "ProcessCall";
  readonly kind: string;
  readonly machine: stateProcessing.Machine;
}

/** What a stopped invocation returns: a promise that never settles, so nothing is ever written. */
function silence(): Promise<never> {
  return new Promise<never>(() => {});
}

/**
 * Registers the invocation, and ends it when the caller hangs up or the deadline passes (then the connection
 * is closed, nothing written). An answer ends it where it is produced, before a byte is written.
 */
function watch(request: InvocationRequest, deadlineMs: number | null) {
  const nowMs = Date.now();
  const invocation = detector.begin({
    machineId: request.machine.id,
    node: request.node,
    method: request.method,
    kind: request.kind,
    step: stepOfSnapshot(request.machine),
    startMs: nowMs,
    deadlineMs,
  });
  const stopped = new AbortController();
  const stopAtMs = deadlineMs ?? nowMs + NO_DEADLINE_HOLD_MS;
  const timer = setTimeout(() => {
    detector.finish(invocation, "deadline", Date.now());
    request.response.destroy();
  }, stopAtMs - nowMs);
  request.response.once("close", () => {
    clearTimeout(timer);
    detector.finish(invocation, "hangup", Date.now());
    stopped.abort();
  });
  const answered = () => detector.finish(invocation, "answered", Date.now());
  return { stopped: stopped.signal, answered };
}

/** Waits `ms` unless the invocation stops first; true when the wait completed. */
function work(ms: number, stopped: AbortSignal): Promise<boolean> {
  return sleep(ms, true, { signal: stopped }).catch(() => false);
}

async function invoke<Result>(request: InvocationRequest, compute: () => Result): Promise<Result> {
  const deadlineUs = request.context.deadlineUs;
  const deadlineMs = deadlineUs === undefined ? null : deadlineUs / 1000;
  if (deadlineMs === null) requests.withoutDeadline += 1;
  if (deadlineMs !== null && deadlineMs <= Date.now()) {
    requests.lateArrivals += 1;
    request.response.destroy();
    return silence();
  }
  const { stopped, answered } = watch(request, deadlineMs);
  const misbehaviour = faults.draw(request.kind, Date.now());
  switch (misbehaviour.kind) {
    case "unavailable":
      answered();
      throw new WoodySystemError(
        "resource unavailable",
        "internal",
        "injected: the processor is unavailable",
      );
    case "fatal":
      answered();
      throw new Error(INJECTED_FATAL_REASON);
    case "timeout":
      return silence(); // the watch closes the connection at the deadline
    case "slow":
    case "none": {
      const completed = await work(misbehaviour.kind === "slow" ? misbehaviour.delayMs : workMs, stopped);
      if (!completed) return silence();
      answered();
      return compute();
    }
  }
}

function kindOfSignal(signal: stateProcessing.Signal): string {
  if (signal.init !== undefined) return "init";
  return signal.timeout !== undefined ? "timer" : "notification";
}

function serviceFor(node: string, response: ServerResponse) {
  return createWoodyService<stateProcessing.ProcessorMethods>({
    schema: MG_SCHEMA,
    service: processing.SERVICE.Processor,
    nowUs: () => Date.now() * 1000,
    handlers: {
      ProcessSignal: ({ a }, context) =>
        invoke(
          {
            node,
            response,
            context,
            method: "ProcessSignal",
            kind: kindOfSignal(a.signal),
            machine: a.machine,
          },
          () => signalResult(a),
        ),
      ProcessCall: ({ a }, context) =>
        invoke({ node, response, context, method: "ProcessCall", kind: "call", machine: a.machine }, () =>
          callResult(a),
        ),
      ProcessRepair: () => Promise.reject(new Error("the chain takes no repair with arguments")),
    },
  });
}

function reply(message: FromProcessor): void {
  process.send?.(message);
}

process.on("message", (message: ToProcessor) => {
  switch (message.type) {
    case "fault":
      return faults.arm(message.fault, Date.now());
    case "clear":
      return faults.clear();
    case "report":
      return reply({
        type: "report",
        report: {
          invocations: detector.invocationCount,
          ends: detector.ends,
          ...requests,
          reruns: detector.reruns(),
          misbehaved: faults.applied,
          overlapCount: detector.overlapCount,
          overlaps: detector.overlaps,
        },
      });
  }
});
// The soak is gone (however it ended): so is its processor.
process.on("disconnect", () => process.exit(0));

const server = http.createServer((request, response) => {
  const node = PATH.exec(request.url ?? "")?.[1];
  if (node === undefined) {
    response.writeHead(404).end();
    return;
  }
  void serviceFor(node, response)(request, response);
});
server.listen(0, "127.0.0.1", () => reply({ type: "ready", port: (server.address() as AddressInfo).port }));
