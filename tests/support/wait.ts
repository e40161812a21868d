/** Waiting for a state, never for a fixed time: polls a condition until it holds or a bound runs out. */
import { setTimeout as sleep } from "node:timers/promises";

export async function waitFor<T>(
  describe: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await sleep(options.intervalMs ?? 5);
  }
  throw new Error(`timed out waiting for ${describe}${last ? `: ${String(last)}` : ""}`);
}
