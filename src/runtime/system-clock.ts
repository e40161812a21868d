/** The real clock: wall time in µs (monotonic between adjustments, via hrtime) and timer-based waits. */
import type { Clock } from "../core/time.js";

/** setTimeout cannot wait longer than 2^31 − 1 ms; longer waits are taken in slices. */
const TIMEOUT_MS_MAX = 2 ** 31 - 1;

export class SystemClock implements Clock {
  readonly #originUs = Date.now() * 1000 - Number(process.hrtime.bigint() / 1000n);

  nowUs(): number {
    return this.#originUs + Number(process.hrtime.bigint() / 1000n);
  }

  alarm(instantUs: number, onTime: () => void): () => void {
    let timer: NodeJS.Timeout;
    const arm = () => {
      const delayMs = Math.ceil((instantUs - this.nowUs()) / 1000);
      // A long delay is taken in slices; the last slice fires onTime.
      timer =
        delayMs > TIMEOUT_MS_MAX ? setTimeout(arm, TIMEOUT_MS_MAX) : setTimeout(onTime, Math.max(0, delayMs));
    };
    arm();
    return () => clearTimeout(timer);
  }

  waitUntil(instantUs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const delayMs = Math.min(TIMEOUT_MS_MAX, Math.max(0, Math.ceil((instantUs - this.nowUs()) / 1000)));
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, delayMs);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
