/** The real clock: wall time in µs (monotonic between adjustments, via hrtime) and timer-based waits. */
import type { Clock } from "../core/time.js";

/** setTimeout cannot wait longer than 2^31 − 1 ms; longer waits are taken in slices. */
const TIMEOUT_MS_MAX = 2 ** 31 - 1;

export class SystemClock implements Clock {
  readonly #originUs = Date.now() * 1000 - Number(process.hrtime.bigint() / 1000n);

  nowUs(): number {
    return this.#originUs + Number(process.hrtime.bigint() / 1000n);
  }

  /** As waitUntil: a timer that fires before the instant by this clock (it can, by a fraction of a ms) re-arms. */
  alarm(instantUs: number, onTime: () => void): () => void {
    let timer: NodeJS.Timeout;
    const arm = () => {
      timer = setTimeout(() => (this.nowUs() < instantUs ? arm() : onTime()), this.#delayMsUntil(instantUs));
    };
    arm();
    return () => clearTimeout(timer);
  }

  /**
   * Resolves at `instantUs` by this clock, never before (the alarm re-arms a timer that fires early: Node's timers
   * run on another clock than hrtime, measured here about 1 wait in 300 early by up to 0.1 ms), or when `signal`
   * aborts. A wait longer than setTimeout allows is taken in slices; a wait for a past instant still yields to I/O.
   */
  waitUntil(instantUs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = () => {
        cancel();
        resolve();
      };
      const cancel = this.alarm(instantUs, () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #delayMsUntil(instantUs: number): number {
    return Math.min(TIMEOUT_MS_MAX, Math.max(0, Math.ceil((instantUs - this.nowUs()) / 1000)));
  }
}
