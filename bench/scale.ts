/** `npm run bench -- --scale`: the scale curves, printed as tables. */
import type { BenchOptions } from "./options.js";

export async function runScaleSection(_options: BenchOptions): Promise<Record<string, number>> {
  return {};
}
