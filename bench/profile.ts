/**
 * `--profile`: a V8 CPU profile per workload. In this process through node:inspector's Profiler; a child process
 * is started with `--cpu-prof --cpu-prof-dir` (see childProfileArgs) and writes its own when it exits cleanly.
 * Open a `.cpuprofile` in Chrome DevTools (Performance › Load profile) or https://www.speedscope.app.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";

let folder: string | undefined;

/** Turns profiling on for the rest of the run, into `directory`. */
export function enableProfiles(directory: string): void {
  mkdirSync(directory, { recursive: true });
  folder = directory;
}

export function profileFolder(): string | undefined {
  return folder;
}

/** Runs `work`, profiled into `<folder>/<name>.cpuprofile` when profiling is on. */
export async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (folder === undefined) return work();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  try {
    return await work();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(join(folder, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

/** Node arguments for a child process of workload `name`: its profile goes into `<folder>/<name>/`. */
export function childProfileArgs(name: string): string[] {
  if (folder === undefined) return [];
  return ["--cpu-prof", `--cpu-prof-dir=${join(folder, name)}`];
}
