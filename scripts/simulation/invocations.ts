/**
 * Every processor call of a run, as the processor saw it: the machine view the engine handed over, the result it
 * returned (or how it failed), when it began and ended. Shared by the processors of every node, so it also sees
 * two calls for one machine that overlap, whichever nodes made them.
 */
import type { HistoryRange } from "../../src/core/history-range.js";
import type { StepResult } from "../../src/core/processor-result.js";
import type { StepKind } from "../../src/core/step.js";
import type { MachineView } from "../../src/processors/processor.js";
import type { ModelEvent } from "./model.js";
import { text } from "./model.js";

export type InvocationOutcome =
  | "running"
  /** A valid result. */
  | "result"
  /** A result that breaks the contract (a timer naming a processor the namespace lacks). */
  | "invalid"
  /** A valid result that storage cannot hold (the storage wrapper refuses every batch carrying it). */
  | "poison"
  | "transient"
  | "fatal"
  /** A repair refused with RepairFailedError. */
  | "refused"
  /** Stopped by the engine's abort (its deadline, or its lease lost) before it answered. */
  | "abandoned";

export interface InvocationView {
  readonly history: readonly ModelEvent[];
  readonly historyRange: HistoryRange;
  readonly aux: string;
  readonly timerDueAtUs: number | null;
}

export interface Invocation {
  /** `p<n>`: written into the result's aux state, events and error messages, so a commit names its call. */
  readonly token: string;
  readonly node: string;
  readonly key: string;
  readonly kind: StepKind;
  /** The client operation (start, call, repair, notify) whose arguments the call carries. */
  readonly op: string | null;
  readonly view: InvocationView;
  readonly startUs: number;
  endUs: number;
  outcome: InvocationOutcome;
  result: StepResult | null;
}

export class InvocationLog {
  readonly #byToken = new Map<string, Invocation>();
  readonly #running = new Map<string, Invocation>();
  readonly #byOp = new Map<string, Invocation[]>();
  #count = 0;

  constructor(private readonly onOverlap: (running: Invocation, next: Invocation) => void) {}

  begin(call: {
    node: string;
    kind: StepKind;
    machine: MachineView;
    op: string | null;
    nowUs: number;
  }): Invocation {
    const { machine } = call;
    this.#count += 1;
    const invocation: Invocation = {
      token: `p${this.#count}`,
      node: call.node,
      key: `${machine.namespace}/${machine.id}`,
      kind: call.kind,
      op: call.op,
      view: {
        history: machine.history.map((event) => ({
          id: event.id,
          createdAtUs: event.createdAtUs,
          data: text(event.data),
        })),
        historyRange: machine.historyRange,
        aux: text(machine.auxState.data),
        timerDueAtUs: machine.timerDueAtUs,
      },
      startUs: call.nowUs,
      endUs: call.nowUs,
      outcome: "running",
      result: null,
    };
    const running = this.#running.get(invocation.key);
    if (running !== undefined) this.onOverlap(running, invocation);
    this.#running.set(invocation.key, invocation);
    this.#byToken.set(invocation.token, invocation);
    if (call.op !== null) this.#byOp.set(call.op, [...(this.#byOp.get(call.op) ?? []), invocation]);
    return invocation;
  }

  end(invocation: Invocation, nowUs: number): void {
    invocation.endUs = nowUs;
    if (this.#running.get(invocation.key) === invocation) this.#running.delete(invocation.key);
  }

  get(token: string): Invocation | undefined {
    return this.#byToken.get(token);
  }

  /** The calls that carried a client operation's arguments. */
  byOp(op: string): readonly Invocation[] {
    return this.#byOp.get(op) ?? [];
  }

  /** Calls that have not ended (a run's end expects none). */
  running(): Invocation[] {
    return [...this.#running.values()];
  }

  get count(): number {
    return this.#count;
  }
}
