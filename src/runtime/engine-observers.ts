/**
 * The node's engine observers, several behind the engine's one hook: the step logs, the traces and the latency
 * histograms each add theirs, the histograms after the node has started (createNodeMetrics). With none added, a
 * step costs one empty loop; with one, its watch is handed to the engine as is.
 */

import type { RequestContext } from "../core/machine.js";
import type {
  CommitFlush,
  EngineObserver,
  ProcessorAnswer,
  StepEnd,
  StepStart,
  StepWatch,
} from "../engine/engine-observer.js";

export class EngineObservers implements EngineObserver {
  readonly #observers: EngineObserver[] = [];

  add(observer: EngineObserver): void {
    this.#observers.push(observer);
  }

  stepStarted(start: StepStart): StepWatch | null {
    let first: StepWatch | null = null;
    let more: StepWatch[] | null = null;
    for (const observer of this.#observers) {
      const watch = observer.stepStarted(start);
      if (watch === null) continue;
      if (first === null) {
        first = watch;
        continue;
      }
      more ??= [first];
      more.push(watch);
    }
    return more === null ? first : new StepWatches(more);
  }

  timerFired(timer: Parameters<EngineObserver["timerFired"]>[0]): void {
    for (const observer of this.#observers) observer.timerFired(timer);
  }

  commitFlushed(flush: CommitFlush): void {
    for (const observer of this.#observers) observer.commitFlushed(flush);
  }

  leaseTakenOver(lease: Parameters<EngineObserver["leaseTakenOver"]>[0]): void {
    for (const observer of this.#observers) observer.leaseTakenOver(lease);
  }
}

/** Several watches of one step; the processor gets the first context one of them gives. */
class StepWatches implements StepWatch {
  constructor(private readonly watches: readonly StepWatch[]) {}

  processorCalling(processor: string, atUs: number): RequestContext | undefined {
    let context: RequestContext | undefined;
    for (const watch of this.watches) {
      const given = watch.processorCalling(processor, atUs);
      context ??= given;
    }
    return context;
  }

  processorAnswered(answer: ProcessorAnswer): void {
    for (const watch of this.watches) watch.processorAnswered(answer);
  }

  committing(atUs: number): void {
    for (const watch of this.watches) watch.committing(atUs);
  }

  committed(atUs: number, error: Error | null): void {
    for (const watch of this.watches) watch.committed(atUs, error);
  }

  stepEnded(end: StepEnd): void {
    for (const watch of this.watches) watch.stepEnded(end);
  }
}
