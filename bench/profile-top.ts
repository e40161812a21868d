/**
 * `node dist/bench/profile-top.js FILE.cpuprofile [N]`: where a profile's CPU went, the N functions with the most
 * self time, and the same time grouped by where the code lives (Ratchet's engine, storage, HTTP, the pg driver,
 * Node's internals, garbage collection, idle). The text the step budget in docs/performance.md comes from.
 */
import { readFileSync } from "node:fs";

export interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time in µs by key, from the samples (each sample's delta is charged to its node). */
export function selfTime(profile: CpuProfile, keyOf: (node: ProfileNode) => string): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  for (const [index, id] of profile.samples.entries()) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const key = keyOf(node);
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[index] ?? 0));
  }
  return totals;
}

/** Where a function's code lives, coarse enough to budget a step. */
export function areaOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (functionName === "(idle)" || functionName === "(program)" || functionName === "(garbage collector)") {
    return functionName;
  }
  const inRatchet = url.match(/\/dist\/(src\/[a-z-]+(?:\/[a-z-]+)?)\//);
  if (inRatchet !== null) return inRatchet[1] as string;
  const inPackage = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (inPackage !== null) return `package ${inPackage[1]}`;
  if (url.startsWith("node:") || url === "") return "node internals (net, streams, timers, native)";
  return url.replace(/^.*\/dist\//, "");
}

function functionKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const place = url === "" ? "" : ` ${url.replace(/^.*\/(dist|node_modules)\//, "")}:${lineNumber + 1}`;
  return `${functionName || "(anonymous)"}${place}`;
}

function printTop(title: string, totals: Map<string, number>, count: number): void {
  const all = [...totals.values()].reduce((sum, value) => sum + value, 0);
  console.log(`${title} (${(all / 1000).toFixed(0)} ms sampled)`);
  for (const [key, us] of [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`  ${((us / all) * 100).toFixed(1).padStart(5)} %  ${key}`);
  }
}

if (process.argv[1]?.endsWith("profile-top.js")) {
  const [file, count] = process.argv.slice(2);
  if (file === undefined) {
    console.error("usage: node dist/bench/profile-top.js FILE.cpuprofile [N]");
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  printTop("By area", selfTime(profile, areaOf), 30);
  console.log("");
  printTop("By function (self time)", selfTime(profile, functionKey), Number(count ?? 25));
}
