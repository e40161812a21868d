/**
 * `limits` (top level) and `namespaces.<ns>.limits`: overrides of core Limits, in snake_case YAML names, each
 * checked against the ceilings that core `resolveLimits` enforces.
 */
import { z } from "zod";
import type { Limits } from "../core/limits.js";
import { limitProblem } from "../core/limits.js";
import { integer, reject, sizeBytes } from "./values.js";

/** YAML name → core name; sizes take `1M` or a byte count, counts a whole number. */
export const LIMIT_KEYS = {
  machine_id_bytes_max: { name: "machineIdBytesMax", kind: "size" },
  event_bytes_max: { name: "eventBytesMax", kind: "size" },
  aux_state_bytes_max: { name: "auxStateBytesMax", kind: "size" },
  args_bytes_max: { name: "argsBytesMax", kind: "size" },
  step_bytes_max: { name: "stepBytesMax", kind: "size" },
  step_events_max: { name: "stepEventsMax", kind: "count" },
  history_page_events_max: { name: "historyPageEventsMax", kind: "count" },
} as const satisfies Record<string, { name: keyof Limits; kind: "size" | "count" }>;

type LimitKey = keyof typeof LIMIT_KEYS;

function limitValue(key: LimitKey) {
  const { name, kind } = LIMIT_KEYS[key];
  const value = kind === "size" ? sizeBytes() : integer({ min: 1 });
  return value.transform((limit, context): number => {
    const problem = limitProblem(name, limit);
    return problem === null ? limit : reject(context, problem);
  });
}

const shape = Object.fromEntries(
  (Object.keys(LIMIT_KEYS) as LimitKey[]).map((key) => [key, limitValue(key).optional()]),
) as Record<LimitKey, z.ZodOptional<ReturnType<typeof limitValue>>>;

/** Overrides as core names them; absent keys keep the default (or, in a namespace, the top-level value). */
export function limitsSchema() {
  return z
    .strictObject(shape)
    .prefault({})
    .transform((given): Partial<Limits> => {
      const overrides: Partial<Record<keyof Limits, number>> = {};
      for (const key of Object.keys(LIMIT_KEYS) as LimitKey[]) {
        const value = given[key];
        if (value !== undefined) overrides[LIMIT_KEYS[key].name] = value;
      }
      return overrides;
    });
}
