/**
 * Named fault points: places in a step where a test can pause or fail the engine. Unarmed, each is a no-op;
 * the engine receives the object through its options, so production code never reaches a global.
 */

export type FaultPointName =
  /** The processor answered; the step is about to be committed. */
  | "afterProcessorBeforeCommit"
  /** The step is about to call the processor. */
  | "beforeProcessorCall";

export interface FaultContext {
  readonly namespace: string;
  readonly machineId: string;
  /** The kind of step, or "modernize". */
  readonly kind: string;
}

export type FaultHandler = (context: FaultContext) => Promise<void> | void;

export class FaultPoints {
  readonly #handlers = new Map<FaultPointName, FaultHandler>();

  arm(name: FaultPointName, handler: FaultHandler): void {
    this.#handlers.set(name, handler);
  }

  disarm(name: FaultPointName): void {
    this.#handlers.delete(name);
  }

  async reach(name: FaultPointName, context: FaultContext): Promise<void> {
    await this.#handlers.get(name)?.(context);
  }
}
