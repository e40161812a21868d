/**
 * The HTTP-JSON processor protocol's two messages as zod schemas: the request Ratchet POSTs for one step and the
 * result the processor answers (docs/processor-protocol.md). Ratchet and the SDK validate with these same
 * schemas. The request is read leniently (a later Ratchet may add keys); a result is strict, so a misspelt key
 * is refused instead of silently ignored. Payloads are natural JSON, checked where they are converted
 * (wire-result.ts), so that a bad escape is reported with its path.
 */
import { z } from "zod";
import { parseTimestampUs } from "../../core/time.js";
import type { JsonValue } from "../../mg/msgpack/natural-json.js";

export const PROTOCOL_VERSION = 1;
export const JSON_CONTENT_TYPE = "application/json";
/** The step's deadline, also in the body: a proxy or a framework may act on a header without reading the body. */
export const DEADLINE_HEADER = "ratchet-deadline";
/** The step key (timer and notification steps), for a processor that deduplicates whole requests. */
export const STEP_KEY_HEADER = "ratchet-step-key";

export const STEP_KINDS = ["init", "call", "repair", "timer", "notification"] as const;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** A natural JSON value: JSON.parse made it, so only its escapes need checking (at conversion). */
const payload = () =>
  z.custom<JsonValue>((value) => value !== undefined, { message: "is required (a natural JSON value)" });

const timestamp = () =>
  z.string().refine(
    (text) => {
      try {
        parseTimestampUs(text, "timestamp", { requireUtc: false });
        return true;
      } catch {
        return false; // the refusal is this refinement's message
      }
    },
    { message: "is not an RFC 3339 timestamp" },
  );

const formatVersion = () => z.int().min(INT32_MIN).max(INT32_MAX);

const HISTORY_RANGE = z.object({
  after: z.int().nullable().optional(),
  limit: z.int().min(0).nullable().optional(),
  direction: z.enum(["forward", "backward"]).optional(),
});

const WIRE_EVENT = z.object({
  id: z.int().min(1),
  created_at: timestamp(),
  format_version: formatVersion().nullable(),
  data: payload(),
});

const WIRE_CONTENT_IN = z.object({ format_version: formatVersion().nullable(), data: payload() });

/** What Ratchet POSTs for one step. */
export const PROCESSOR_REQUEST = z.object({
  version: z.literal(PROTOCOL_VERSION),
  kind: z.enum(STEP_KINDS),
  /** The step's name: the one its timer carried (a processor named it), else its kind. */
  step: z.string().optional(),
  namespace: z.string(),
  machine_id: z.string(),
  /** Absent for timer steps. */
  args: payload().optional(),
  history: z.array(WIRE_EVENT),
  history_range: HISTORY_RANGE,
  aux_state: WIRE_CONTENT_IN,
  /** When the machine's timer is due, or null. */
  timer: timestamp().nullable(),
  deadline: timestamp(),
  attempt: z.int().min(1).nullable(),
  step_key: z.string().nullable(),
  notification_id: z.string().nullable(),
  context: z.record(z.string(), z.string()),
});

const WIRE_CONTENT_OUT = z.strictObject({
  format_version: formatVersion().nullable().optional(),
  data: payload(),
});

const TIMER_SET = z
  .strictObject({
    action: z.literal("set"),
    timeout_ms: z.number().min(0).optional(),
    deadline: timestamp().optional(),
    range: HISTORY_RANGE.strict().optional(),
    processor: z.string().optional(),
    /** The name of the step this timer runs: its processor, deadline and retry policy are that step's. */
    step: z.string().optional(),
  })
  .refine((set) => (set.timeout_ms === undefined) !== (set.deadline === undefined), {
    message: "a timer needs exactly one of timeout_ms and deadline",
  });

const TIMER_ACTION = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("unchanged") }),
  z.strictObject({ action: z.literal("unset") }),
  TIMER_SET,
]);

/** A step's result: every key may be left out (no events, aux state kept, timer unchanged, no removal). */
export const STEP_RESULT = z.strictObject({
  events: z.array(WIRE_CONTENT_OUT).optional(),
  aux_state: WIRE_CONTENT_OUT.optional(),
  timer: TIMER_ACTION.optional(),
  response: payload().optional(),
  remove: z.boolean().optional(),
});

/** A repair step's refusal: the machine stays failed, the caller of the repair gets the reason. */
export const REPAIR_FAILED = z.strictObject({ repair_failed: z.strictObject({ reason: payload() }) });

export type WireRequest = z.infer<typeof PROCESSOR_REQUEST>;
export type WireEvent = z.infer<typeof WIRE_EVENT>;
export type WireHistoryRange = z.infer<typeof HISTORY_RANGE>;
export type WireStepResult = z.infer<typeof STEP_RESULT>;
export type WireTimerAction = z.infer<typeof TIMER_ACTION>;
export type WireRepairFailed = z.infer<typeof REPAIR_FAILED>;
export type WireResult = WireStepResult | WireRepairFailed;

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly why: string };

/**
 * A processor's answer: a refusal of a repair when it has the key `repair_failed`, else a step result. Choosing
 * the form by that key, rather than trying both, lets a refusal name the one key that is wrong.
 */
export function parseWireResult(json: unknown): Parsed<WireResult> {
  const isRefusal = typeof json === "object" && json !== null && "repair_failed" in json;
  const parsed = (isRefusal ? REPAIR_FAILED : STEP_RESULT).safeParse(json);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, why: describeIssues(parsed.error, "the result") };
}

export function parseWireRequest(json: unknown): Parsed<WireRequest> {
  const parsed = PROCESSOR_REQUEST.safeParse(json);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, why: describeIssues(parsed.error, "the request") };
}

export function isRepairFailed(result: WireResult): result is WireRepairFailed {
  return "repair_failed" in result;
}

/** A zod refusal as one line a person can read: `events[0].data: is required; timer.action: …`. */
export function describeIssues(error: z.ZodError, whole: string): string {
  return error.issues.map((issue) => `${pathText(issue.path, whole)}: ${issue.message}`).join("; ");
}

function pathText(path: readonly PropertyKey[], whole: string): string {
  if (path.length === 0) return whole;
  return path
    .map((part, index) =>
      typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`,
    )
    .join("");
}
