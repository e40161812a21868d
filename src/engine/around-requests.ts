/**
 * An EngineApi whose requests (the operations that run a step or store a notification) pass through `around`,
 * which may change their options (their context: a trace) and follow them to their end (a request span). Reads
 * pass straight through.
 */
import type { EngineApi, RequestOptions } from "./engine-api.js";

export type RequestOperation =
  | "start"
  | "call"
  | "repair"
  | "simpleRepair"
  | "remove"
  | "notify"
  | "modernize"
  | "pause"
  | "resume"
  | "retryNow";

export interface RequestTarget {
  readonly operation: RequestOperation;
  readonly namespace: string;
  readonly machineId: string;
}

export type AroundRequest = <T, O extends RequestOptions>(
  target: RequestTarget,
  options: O | undefined,
  run: (options: O | undefined) => Promise<T>,
) => Promise<T>;

export function aroundRequests(engine: EngineApi, around: AroundRequest): EngineApi {
  const target = (operation: RequestOperation, namespace: string, machineId: string) => ({
    operation,
    namespace,
    machineId,
  });
  return {
    start: (ns, id, args, options) =>
      around(target("start", ns, id), options, (given) => engine.start(ns, id, args, given)),
    call: (ns, id, args, options) =>
      around(target("call", ns, id), options, (given) => engine.call(ns, id, args, given)),
    repair: (ns, id, args, options) =>
      around(target("repair", ns, id), options, (given) => engine.repair(ns, id, args, given)),
    simpleRepair: (ns, id, options) =>
      around(target("simpleRepair", ns, id), options, (given) => engine.simpleRepair(ns, id, given)),
    remove: (ns, id, options) =>
      around(target("remove", ns, id), options, (given) => engine.remove(ns, id, given)),
    notify: (ns, id, args, options) =>
      around(target("notify", ns, id), options, (given) => engine.notify(ns, id, args, given)),
    modernize: (ns, id, range, options) =>
      around(target("modernize", ns, id), options, (given) => engine.modernize(ns, id, range, given)),
    pause: (ns, id, reason, options) =>
      around(target("pause", ns, id), options, (given) => engine.pause(ns, id, reason, given)),
    resume: (ns, id, options) =>
      around(target("resume", ns, id), options, (given) => engine.resume(ns, id, given)),
    retryNow: (ns, id, options) =>
      around(target("retryNow", ns, id), options, (given) => engine.retryNow(ns, id, given)),
    get: (ns, id, range) => engine.get(ns, id, range),
    steps: (ns, id, query) => engine.steps(ns, id, query),
    flow: (ns, query) => engine.flow(ns, query),
    namespaces: () => engine.namespaces(),
  };
}
