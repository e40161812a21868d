/**
 * `npm run bench [-- --quick] [-- --profile] [-- --scale]`: Ratchet's workloads on each storage, next to the
 * physical ceilings of that storage measured in the same run, with CPU per step of Ratchet and of PostgreSQL,
 * then the goals (goal beside measured, met or not met). The last line of output is one JSON object with every
 * headline figure. `--scale` prints the scale curves instead (scale.ts).
 */
import { GOALS, goalLines, summaryLine } from "./goals.js";
import { benchOptions } from "./options.js";
import { enableProfiles, profileFolder } from "./profile.js";
import { section } from "./report.js";
import { runHttpSection } from "./run-http.js";
import { runPostgresSection } from "./run-postgres.js";
import { runSqliteSection } from "./run-sqlite.js";
import { runScaleSection } from "./scale.js";

async function main(): Promise<void> {
  const options = benchOptions(process.argv.slice(2));
  if (options.profileDirectory !== undefined) enableProfiles(options.profileDirectory);
  console.log(
    `Ratchet benchmark (${options.quick ? "quick" : "full"}${options.scale ? ", scale curves" : ""}): ${options.seconds} s per workload, ${options.machines} chaining machines, ${options.callers} callers`,
  );
  if (profileFolder() !== undefined)
    console.log(`CPU profiles (.cpuprofile, one per workload) go to ${profileFolder()}`);
  if (options.scale) {
    const figures = await runScaleSection(options);
    console.log(summaryLine(figures));
    return;
  }
  const figures: Record<string, number> = {
    ...(options.parts.has("sqlite") ? await runSqliteSection(options) : {}),
    ...(options.parts.has("postgres") ? await runPostgresSection(options) : {}),
    ...(options.parts.has("http") ? await runHttpSection(options) : {}),
  };
  section("Goals (a shared machine lowers absolute figures; read the ratios of this run)");
  for (const text of goalLines(GOALS, figures)) console.log(text);
  if (profileFolder() !== undefined) console.log(`\nCPU profiles written to ${profileFolder()}`);
  console.log(summaryLine(figures));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
