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
   * Resolves at `instantUs` by this clock, never before: Node's timers run on another clock than hrtime and may
   * fire up to a fraction of a millisecond early (measured here: about 1 wait in 300, by up to 0.1 ms), and a
   * wait longer than setTimeout allows is taken in slices. Always on a timer, so a wait for a past instant still
   * yields to I/O.
   */
  waitUntil(instantUs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      let timer: NodeJS.Timeout;
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const arm = () => {
        timer = setTimeout(() => {
          if (this.nowUs() < instantUs) return arm();
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, this.#delayMsUntil(instantUs));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      arm();
    });
  }

  #delayMsUntil(instantUs: number): number {
    return Math.min(TIMEOUT_MS_MAX, Math.max(0, Math.ceil((instantUs - this.nowUs()) / 1000)));
  }
}
