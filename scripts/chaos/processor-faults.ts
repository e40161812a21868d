/**
 * The processor's injected misbehaviour. A window fault makes each invocation that arrives while it is open
 * misbehave with a probability: answer 503 (resource unavailable), never answer until the deadline (a timeout),
 * or answer only after a delay longer than the lease. A fatal fault answers the next timer or call step with
 * 500, which fails its machine.
 */
import type { Random } from "./random.js";

export type ProcessorFault =
  | {
      readonly kind: "unavailable" | "timeout" | "slow";
      readonly windowMs: number;
      readonly probability: number;
      /** slow: how long the answer takes, ms. */
      readonly delayMs: number;
    }
  | { readonly kind: "fatal" };

export type Misbehaviour =
  | { readonly kind: "none" }
  | { readonly kind: "unavailable" | "timeout" | "fatal" }
  | { readonly kind: "slow"; readonly delayMs: number };

export type MisbehaviourKind = Misbehaviour["kind"];

interface Window {
  readonly fault: Extract<ProcessorFault, { windowMs: number }>;
  readonly untilMs: number;
}

export class ProcessorFaults {
  readonly applied: Record<Exclude<MisbehaviourKind, "none">, number> = {
    unavailable: 0,
    timeout: 0,
    slow: 0,
    fatal: 0,
  };
  #windows: Window[] = [];
  #fatalPending = 0;

  constructor(private readonly random: Random) {}

  arm(fault: ProcessorFault, nowMs: number): void {
    if (fault.kind === "fatal") this.#fatalPending += 1;
    else this.#windows.push({ fault, untilMs: nowMs + fault.windowMs });
  }

  /** Ends every window and drops pending fatal faults: the soak's faults are over. */
  clear(): void {
    this.#windows = [];
    this.#fatalPending = 0;
  }

  /** What the invocation arriving now does. Init is never failed fatally: its machine would not exist. */
  draw(stepKind: string, nowMs: number): Misbehaviour {
    if (this.#fatalPending > 0 && stepKind !== "init") {
      this.#fatalPending -= 1;
      return this.#count({ kind: "fatal" });
    }
    this.#windows = this.#windows.filter((window) => window.untilMs > nowMs);
    for (const { fault } of this.#windows) {
      if (this.random.next() >= fault.probability) continue;
      return this.#count(
        fault.kind === "slow" ? { kind: "slow", delayMs: fault.delayMs } : { kind: fault.kind },
      );
    }
    return { kind: "none" };
  }

  #count(misbehaviour: Exclude<Misbehaviour, { kind: "none" }>): Misbehaviour {
    this.applied[misbehaviour.kind] += 1;
    return misbehaviour;
  }
}
