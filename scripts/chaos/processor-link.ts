/**
 * The soak's side of its processor: starts processor-process.js as a child with an IPC channel, sends it
 * faults, and asks for its report at the end. The messages both sides exchange are declared here.
 */
import { fileURLToPath } from "node:url";
import type { InvocationEnd, Overlap } from "./overlap-detector.js";
import type { ChildHandle, ChildProcesses } from "./processes.js";
import type { MisbehaviourKind, ProcessorFault } from "./processor-faults.js";

export type ToProcessor =
  | { readonly type: "fault"; readonly fault: ProcessorFault }
  | { readonly type: "clear" }
  | { readonly type: "report" };

export type FromProcessor =
  | { readonly type: "ready"; readonly port: number }
  | { readonly type: "report"; readonly report: ProcessorReport };

export interface ProcessorReport {
  readonly invocations: number;
  readonly ends: Readonly<Record<InvocationEnd, number>>;
  /** Requests that arrived with their deadline already passed: not invoked, not answered. */
  readonly lateArrivals: number;
  /** Requests without a `woody.deadline`. */
  readonly withoutDeadline: number;
  /** The same step invoked again (a retry or a re-run), and answered again. */
  readonly reruns: { readonly invoked: number; readonly answered: number };
  readonly misbehaved: Readonly<Record<Exclude<MisbehaviourKind, "none">, number>>;
  readonly overlapCount: number;
  readonly overlaps: readonly Overlap[];
}

/** The text of an injected fatal fault, found again in the failure reason of the machine it failed. */
export const INJECTED_FATAL_REASON = "injected fatal fault";

const PROCESSOR_SCRIPT = fileURLToPath(new URL("./processor-process.js", import.meta.url));
const READY_WAIT_MS = 15_000;
const REPORT_WAIT_MS = 15_000;

export class ProcessorLink {
  private constructor(
    private readonly child: ChildHandle,
    readonly port: number,
  ) {}

  static async start(
    children: ChildProcesses,
    options: { seed: number; workMs: number },
  ): Promise<ProcessorLink> {
    const child = children.spawn(
      "processor",
      process.execPath,
      [PROCESSOR_SCRIPT, String(options.seed), String(options.workMs)],
      { log: "processor.log", ipc: true },
    );
    const ready = await receive(child, "ready", READY_WAIT_MS);
    return new ProcessorLink(child, ready.port);
  }

  /** The processor URL for one node; the path names the node in the processor's records. */
  urlFor(node: string): string {
    return `http://127.0.0.1:${this.port}/v1/stateproc/${node}`;
  }

  inject(fault: ProcessorFault): void {
    this.#send({ type: "fault", fault });
  }

  clear(): void {
    this.#send({ type: "clear" });
  }

  async report(): Promise<ProcessorReport> {
    const answer = receive(this.child, "report", REPORT_WAIT_MS);
    this.#send({ type: "report" });
    return (await answer).report;
  }

  stop(): Promise<void> {
    return this.child.stop(2000);
  }

  #send(message: ToProcessor): void {
    this.child.process.send(message);
  }
}

function receive<Type extends FromProcessor["type"]>(
  child: ChildHandle,
  type: Type,
  timeoutMs: number,
): Promise<Extract<FromProcessor, { type: Type }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.process.off("message", onMessage);
      reject(new Error(`the processor sent no ${type} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: FromProcessor) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.process.off("message", onMessage);
      resolve(message as Extract<FromProcessor, { type: Type }>);
    };
    child.process.on("message", onMessage);
  });
}
