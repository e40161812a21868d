/** Holding the next step before its commit: a test learns when a step got there, and lets it go on. */
import type { FaultPoints } from "../../src/engine/fault-points.js";

export interface PausedStep {
  /** Resolves when the next step has its processor's answer and waits before its commit. */
  readonly reached: Promise<void>;
  /** Lets it commit. */
  release(): void;
}

export function pauseNextCommit(faults: FaultPoints): PausedStep {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let arrive: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  faults.arm("afterProcessorBeforeCommit", async () => {
    faults.disarm("afterProcessorBeforeCommit");
    arrive();
    await held;
  });
  return { reached, release };
}
