/**
 * `GET /v1/audit`: the audit log, newest first, by namespace and machine, a page at a time. The log outlives the
 * configuration (a refused request may name a namespace no node serves), so a namespace filter is not checked
 * against the configured ones; an empty filter is no filter, as the console's form sends it.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AuditEntry } from "../../core/audit.js";
import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, auditEntryFields } from "../../core/audit.js";
import { InvalidRequestError } from "../../core/errors.js";
import type { AuditStore } from "../../storage/audit-store.js";
import type { ApiApp } from "./api-context.js";
import { jsonResponse, problemResponses } from "./openapi-responses.js";
import { cursorIdOf, cursorOf } from "./request-parts.js";
import { Instant } from "./schemas.js";
import { instantText } from "./views.js";

const ENTRY_ID = /^[1-9]\d{0,15}$/;
const PAGE_SIZE = /^\d{1,15}$/;

const AuditEntryView = z
  .object({
    id: z.string().openapi({ description: "Grows with every entry written" }),
    at: Instant,
    actor: z.string().openapi({ description: "Who asked: a token's name, `cli:<user>`, `anonymous`" }),
    action: z.string().openapi({
      description:
        "repair, simple_repair, remove, modernize, pause, resume, retry_now, start, call, notify, or bulk_…",
    }),
    namespace: z.string(),
    machine_id: z.string().nullable(),
    outcome: z.enum(["ok", "refused", "failed"]),
    detail: z.string().nullable().openapi({
      description: "Why it was refused or failed (the error's type and message), or a pause's reason",
    }),
  })
  .openapi("AuditEntry");

const AuditPage = z
  .object({
    entries: z.array(AuditEntryView),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for older entries" }),
  })
  .openapi("AuditPage");

const auditRoute = createRoute({
  method: "get",
  path: "/v1/audit",
  summary: "The audit log of operator actions, newest first",
  request: {
    query: z.object({
      namespace: z.string().optional(),
      machine_id: z.string().optional(),
      cursor: z.string().optional().openapi({ description: "next_cursor of the previous page" }),
      limit: z
        .string()
        .regex(PAGE_SIZE, "must be a whole number")
        .optional()
        .openapi({
          description: `Entries in the page (default ${AUDIT_PAGE_DEFAULT}, 1 to ${AUDIT_PAGE_MAX})`,
        }),
    }),
  },
  responses: {
    200: jsonResponse("A page of entries, newest first", AuditPage),
    ...problemResponses(400, 503),
  },
});

export function registerAuditRoutes(app: ApiApp, audit: Pick<AuditStore, "listAudit">): void {
  app.openapi(auditRoute, async (context) => {
    const query = context.req.valid("query");
    const limit = auditPageSizeOf(query.limit);
    const beforeId = auditCursorIdOf(query.cursor);
    const entries = await audit.listAudit({
      limit,
      ...(query.namespace ? { namespace: query.namespace } : {}),
      ...(query.machine_id ? { machineId: query.machine_id } : {}),
      ...(beforeId === undefined ? {} : { beforeId }),
    });
    const last = entries.at(-1);
    const next = entries.length === limit && last !== undefined ? cursorOf(String(last.id)) : null;
    return context.json({ entries: entries.map(auditEntryView), next_cursor: next }, 200);
  });
}

function auditPageSizeOf(text: string | undefined): number {
  if (text === undefined) return AUDIT_PAGE_DEFAULT;
  const size = Number(text);
  if (size < 1 || size > AUDIT_PAGE_MAX) {
    throw new InvalidRequestError(`limit must be 1 to ${AUDIT_PAGE_MAX}`, "limit");
  }
  return size;
}

/** The cursor is the last entry's id, opaque as the search's cursors are; an empty one reads from the newest. */
function auditCursorIdOf(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  const id = cursorIdOf(cursor) ?? "";
  if (!ENTRY_ID.test(id) || !Number.isSafeInteger(Number(id))) {
    throw new InvalidRequestError("cursor is not a next_cursor this API gave", "cursor");
  }
  return Number(id);
}

export function auditEntryView(entry: AuditEntry) {
  return { id: String(entry.id), ...auditEntryFields(entry, instantText) };
}
