/**
 * The JSON API's schemas, in zod with OpenAPI metadata: the same schemas validate each request and generate
 * `/openapi.json`. Names are snake_case; instants are RFC 3339 UTC with microseconds; payloads are natural JSON.
 */
import { z } from "@hono/zod-openapi";
import { JSON_API_LIMITS } from "../../core/limits.js";
import { MACHINE_STATUSES } from "../../core/machine.js";

const WHOLE_NUMBER = /^\d{1,15}$/;

/** Any JSON value; its form is natural JSON (plain JSON is itself, escapes for what JSON lacks). */
export const NaturalJson = z.unknown().openapi("NaturalJson", {
  description:
    'A payload in natural JSON: plain JSON is itself; {"$int": "<decimal>"} for integers beyond 2^53, {"$float": 2} for integral floats, {"$bytes": "<base64>"}, {"$map": [[key, value], …]} for other maps; output only: {"$raw": "<base64>"} for stored bytes that are not one msgpack value.',
});

export const Instant = z
  .string()
  .openapi({ description: "RFC 3339 UTC, microseconds", example: "2025-01-31T12:00:00.000123Z" });

export const NamespaceParams = z.object({
  ns: z
    .string()
    .min(1)
    .openapi({ param: { name: "ns", in: "path" }, example: "payments" }),
});

export const MachineParams = NamespaceParams.extend({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: "id", in: "path" }, example: "pay-1" }),
});

export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .optional()
    .openapi({
      param: { in: "header" },
      description: `At most ${JSON_API_LIMITS.idempotencyKeyBytesMax} bytes of printable ASCII, optionally quoted. A retry with the same key and body gets the first outcome without a second step; the same key with another body is 422; a retry while the first runs is 409.`,
    }),
});

const wholeNumber = (description: string) =>
  z.string().regex(WHOLE_NUMBER, "must be a whole number").openapi({ description });

export const HistoryQuery = z.object({
  after: wholeNumber("Events after this id (forward) or before it (backward)").optional(),
  limit: wholeNumber(
    `Events in the page (default ${JSON_API_LIMITS.eventsPageDefault}, at most ${JSON_API_LIMITS.eventsPageMax})`,
  ).optional(),
  direction: z.enum(["forward", "backward"]).optional(),
});

export const HistoryRangeBody = z
  .object({
    after: z.number().int().min(0).optional(),
    limit: z.number().int().min(0).optional(),
    direction: z.enum(["forward", "backward"]).optional(),
  })
  .strict()
  .openapi("HistoryRange", {
    description: "The history handed to the processor; the whole history when absent",
  });

export const StartBody = z
  .object({ id: z.string().min(1), args: NaturalJson })
  .strict()
  .openapi("StartRequest");

export const ArgsBody = z
  .object({ args: NaturalJson, range: HistoryRangeBody.optional() })
  .strict()
  .openapi("StepRequest");

export const SearchStatus = z.enum([...MACHINE_STATUSES, "working"]).openapi({
  description: "A machine status, or working: idle, waiting or retrying",
});

export const SearchQuery = z.object({
  status: SearchStatus.optional(),
  prefix: z.string().optional().openapi({ description: "Ids that begin with this text" }),
  timer_due_before: Instant.optional().openapi({
    description: "Machines whose timer is due before this instant",
  }),
  updated_since: Instant.optional().openapi({ description: "Machines changed at or after this instant" }),
  limit: wholeNumber(
    `Machines in the page (default ${JSON_API_LIMITS.machinesPageDefault}, at most ${JSON_API_LIMITS.machinesPageMax})`,
  ).optional(),
  cursor: z.string().optional().openapi({ description: "next_cursor of the previous page" }),
});

const Content = z.object({ format_version: z.number().int().nullable(), data: NaturalJson });

export const EventView = z
  .object({
    id: z.number().int(),
    created_at: Instant,
    format_version: z.number().int().nullable(),
    data: NaturalJson,
  })
  .openapi("Event");

export const MachineView = z
  .object({
    namespace: z.string(),
    id: z.string(),
    status: z.enum(MACHINE_STATUSES),
    failure: z
      .object({
        reason: z.string(),
        previous_status: z.enum(["idle", "waiting", "retrying"]),
        failed_at: Instant,
      })
      .nullable(),
    pause: z
      .object({
        reason: z.string(),
        by: z.string().openapi({
          description: "The retry policy that ran out (steps.<name>.retry, retries.timers), or operator",
        }),
        paused_at: Instant,
      })
      .nullable(),
    timer: z
      .object({
        due_at: Instant,
        step: z
          .string()
          .nullable()
          .openapi({ description: "The named step the timer runs; null: a plain timer" }),
        processor: z.string().nullable(),
      })
      .nullable(),
    retry: z
      .object({
        attempt: z.number().int(),
        first_failed_at: Instant,
        due_at: Instant,
        last_error: z.string(),
      })
      .nullable(),
    aux_state: Content,
    created_at: Instant,
    updated_at: Instant,
    last_event_id: z.number().int(),
    events: z.array(EventView),
    next_after: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Pass as `after` for the next page; null at the end" }),
  })
  .openapi("Machine");

export const MachineSummary = z
  .object({
    id: z.string(),
    status: z.enum(MACHINE_STATUSES),
    failure_reason: z.string().nullable(),
    timer_due_at: Instant.nullable(),
    last_event_id: z.number().int(),
    updated_at: Instant,
  })
  .openapi("MachineSummary");

export const MachinePage = z
  .object({ machines: z.array(MachineSummary), next_cursor: z.string().nullable() })
  .openapi("MachinePage");

export const ResponseView = z.object({ response: NaturalJson }).openapi("StepResponse");

export const NotifiedView = z.object({ notification_id: z.string() }).openapi("Notified");

export const NotificationList = z
  .object({
    notifications: z.array(
      z.object({
        id: z.string(),
        attempts: z.number().int().openapi({ description: "Failed deliveries so far" }),
        next_attempt_at: Instant,
        last_error: z.string().nullable(),
        created_at: Instant,
      }),
    ),
  })
  .openapi("NotificationList");

const StatusCounts = z.object({
  idle: z.number().int(),
  waiting: z.number().int(),
  retrying: z.number().int(),
  paused: z.number().int(),
  failed: z.number().int(),
});

export const NamespaceList = z
  .object({
    namespaces: z.array(
      z.object({
        name: z.string(),
        machine_counts: StatusCounts,
        counts_capped_at: z
          .number()
          .int()
          .openapi({ description: "A count equal to this means at least this many" }),
        counted_at: Instant,
        timers_due_next_minute: z.number().int().openapi({
          description:
            "Machines whose timer is due within the next minute, overdue ones included; capped like the status counts",
        }),
      }),
    ),
  })
  .openapi("NamespaceList");

export const OutboxList = z
  .object({
    sinks: z.array(
      z.object({
        name: z.string().openapi({ example: "payments/events" }),
        pending: z
          .number()
          .int()
          .openapi({ description: "Records waiting for the sink, held-back ones included" }),
        oldest_lag_ms: z.number().nullable().openapi({
          description: "How long ago the oldest waiting record was committed; null when none waits",
        }),
        parked: z.number().int().openapi({ description: "Records the sink rejected for good, set aside" }),
      }),
    ),
  })
  .openapi("OutboxList");

export const ProblemView = z
  .object({
    type: z.string().openapi({ example: "urn:ratchet:problem:machine-not-found" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
  })
  .passthrough()
  .openapi("Problem", {
    description: "RFC 9457 problem details; extensions name the limit, field or reason",
  });
