/** In-process HTTP paths on SQLite: woody (all in one process), the processor over HTTP-JSON, the JSON API. */
import { runJsonCalls } from "./json-call.js";
import type { BenchOptions } from "./options.js";
import { profiled } from "./profile.js";
import { latencyText, line, section } from "./report.js";
import { round } from "./stats.js";
import { runWoodyCalls } from "./woody-call.js";

export async function runHttpSection(options: BenchOptions): Promise<Record<string, number>> {
  section("Over HTTP in one process (SQLite): woody, the processor over HTTP-JSON, the JSON API");
  const run = { callers: options.callers, seconds: options.seconds };
  const woody = await profiled("http-woody-one-process", () => runWoodyCalls(run));
  line("woody", `${latencyText(woody)} (client, Automaton server and woody processor in this process)`);
  const httpJson = await profiled("http-json-processor", () =>
    runWoodyCalls({ ...run, processor: "http-json" }),
  );
  line(
    "http-json",
    `${latencyText(httpJson)} (the same, the processor written with the SDK and reached over HTTP-JSON)`,
  );
  const json = await profiled("http-json-api", () => runJsonCalls(run));
  line("json", `${latencyText(json)} (JSON API over HTTP, local processor: one HTTP hop)`);
  return {
    woody_call_calls_per_s: round(woody.callsPerSecond),
    woody_call_p50_ms: round(woody.p50Ms, 2),
    woody_call_p99_ms: round(woody.p99Ms, 2),
    http_json_processor_call_calls_per_s: round(httpJson.callsPerSecond),
    http_json_processor_call_p50_ms: round(httpJson.p50Ms, 2),
    http_json_processor_call_p99_ms: round(httpJson.p99Ms, 2),
    json_call_calls_per_s: round(json.callsPerSecond),
    json_call_p50_ms: round(json.p50Ms, 2),
    json_call_p99_ms: round(json.p99Ms, 2),
  };
}
