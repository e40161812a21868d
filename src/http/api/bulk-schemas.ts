/** The bulk operations' schemas (requests and answers), validating and documenting as schemas.ts does. */
import { z } from "@hono/zod-openapi";
import { BULK_ACTIONS, BULK_OUTCOMES, BULK_RUN_STATUSES } from "../../core/bulk.js";
import { BULK_DEFAULTS } from "../../core/limits.js";
import { Instant, NaturalJson, SearchStatus } from "./schemas.js";

export const BulkFilterBody = z
  .object({
    status: SearchStatus.optional(),
    id_prefix: z.string().optional().openapi({ description: "Ids that begin with this text" }),
    timer_due_before: Instant.optional().openapi({
      description: "Machines whose timer is due before this instant",
    }),
    updated_since: Instant.optional().openapi({ description: "Machines changed at or after this instant" }),
  })
  .strict()
  .openapi("BulkFilter", {
    description: "The search the run walks, as GET …/machines takes it; {} is every machine",
  });

export const BulkStartBody = z
  .object({
    action: z.enum(BULK_ACTIONS),
    filter: BulkFilterBody,
    args: NaturalJson.optional().openapi({ description: "repair and notify only; null when absent" }),
    dry_run: z.boolean().optional().openapi({ description: "Count the selection and start nothing" }),
    rate_per_second: z
      .number()
      .positive()
      .optional()
      .openapi({
        description: `Machines acted on per second (default ${BULK_DEFAULTS.ratePerSecondDefault}, from ${BULK_DEFAULTS.ratePerSecondMin} to the node's maximum, ${BULK_DEFAULTS.ratePerSecondMax} by default)`,
      }),
  })
  .strict()
  .openapi("BulkRequest");

export const BulkParams = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: "id", in: "path" }, example: "6f1c2b9e-…" }),
});

export const BulkOutcomesQuery = z.object({
  cursor: z.string().optional().openapi({ description: "next_cursor of the previous page" }),
  limit: z
    .string()
    .regex(/^\d{1,15}$/, "must be a whole number")
    .optional()
    .openapi({
      description: `Outcomes in the page (default ${BULK_DEFAULTS.outcomesPageDefault}, at most ${BULK_DEFAULTS.outcomesPageMax})`,
    }),
});

export const BulkDryRunView = z
  .object({
    dry_run: z.literal(true),
    selected: z.number().int(),
    selected_capped_at: z.number().int(),
  })
  .openapi("BulkDryRun");

export const BulkView = z
  .object({
    id: z.string(),
    namespace: z.string(),
    action: z.enum(BULK_ACTIONS),
    filter: BulkFilterBody,
    status: z.enum(BULK_RUN_STATUSES),
    selected: z
      .number()
      .int()
      .openapi({ description: "The selection counted when the run started (capped)" }),
    done: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    rate_per_second: z.number(),
    cursor: z.string().nullable().openapi({ description: "The last machine id with an outcome" }),
    actor: z.string(),
    created_at: Instant,
    updated_at: Instant,
  })
  .openapi("BulkRun");

export const BulkListView = z.object({ bulk: z.array(BulkView) }).openapi("BulkRuns");

export const BulkOutcomeView = z
  .object({
    machine_id: z.string(),
    outcome: z.enum(BULK_OUTCOMES),
    error_type: z.string().optional().openapi({ description: "The problem type of the error, when not ok" }),
    detail: z.string().optional(),
    at: Instant,
  })
  .openapi("BulkOutcome");

export const BulkOutcomesView = z
  .object({ outcomes: z.array(BulkOutcomeView), next_cursor: z.string().nullable() })
  .openapi("BulkOutcomes");
