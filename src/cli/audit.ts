/**
 * `ratchet audit`: the audit log of operator actions, newest first, straight from storage: who did what to which
 * machine, and how it ended. `--before ID` continues past the last entry shown.
 */
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import type { AuditEntry } from "../core/audit.js";
import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, auditEntryFields } from "../core/audit.js";
import { formatTimestampUs } from "../core/time.js";
import type { CliIo } from "./command-arguments.js";
import { UsageError, wholeNumberOption } from "./command-arguments.js";
import { EXIT } from "./exit-codes.js";
import { openExistingStorage, STORAGE_OPTIONS, STORAGE_USAGE, storageTargetOf } from "./storage-target.js";
import { displayText, tableLines } from "./text-format.js";

export const AUDIT_USAGE = `usage: ratchet audit [--namespace NS] [--machine ID] [--limit N] [--before ID] [--json] ${STORAGE_USAGE}

  the audit log of operator actions, newest first (${AUDIT_PAGE_DEFAULT} unless --limit says otherwise, at most
  ${AUDIT_PAGE_MAX}): when, who, the action, the machine, the outcome (ok, refused, failed) and why;
  --before ID shows the entries older than that one; --json prints one entry per line`;

/** The actor the CLI's operator commands act under: `cli:` and the operating system's user. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // A process whose uid has no entry in the user database (some containers) still acts under a name.
    return `cli:uid-${process.getuid?.() ?? "unknown"}`;
  }
}

export async function runAuditCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...STORAGE_OPTIONS,
      namespace: { type: "string" },
      machine: { type: "string" },
      limit: { type: "string" },
      before: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (positionals.length > 0) throw new UsageError(`audit takes no ${JSON.stringify(positionals[0])}`);
  const limit = wholeNumberOption(values.limit, "--limit", {
    min: 1,
    max: AUDIT_PAGE_MAX,
    fallback: AUDIT_PAGE_DEFAULT,
  }) as number;
  const beforeId = wholeNumberOption(values.before, "--before", { min: 1, max: Number.MAX_SAFE_INTEGER });
  const target = await storageTargetOf(values, io);
  const storage = await openExistingStorage(target);
  let entries: AuditEntry[];
  try {
    entries = await storage.listAudit({
      limit,
      ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
      ...(values.machine === undefined ? {} : { machineId: values.machine }),
      ...(beforeId === undefined ? {} : { beforeId }),
    });
  } finally {
    await storage.close();
  }
  if (values.json) for (const entry of entries) io.write(JSON.stringify(entryJson(entry)));
  else if (entries.length === 0) io.write("no audit entries");
  else for (const line of auditLines(entries, limit)) io.write(line);
  return EXIT.ok;
}

function entryJson(entry: AuditEntry) {
  return { id: entry.id, ...auditEntryFields(entry, formatTimestampUs) };
}

function auditLines(entries: readonly AuditEntry[], limit: number): string[] {
  const rows = entries.map((entry) => [
    String(entry.id),
    formatTimestampUs(entry.atUs),
    displayText(entry.actor),
    entry.action,
    entry.machineId === null
      ? displayText(entry.namespace)
      : `${displayText(entry.namespace)}/${displayText(entry.machineId)}`,
    entry.outcome,
    entry.detail ?? "",
  ]);
  const lines = tableLines(["id", "at", "actor", "action", "machine", "outcome", "detail"], rows);
  const last = entries.at(-1);
  if (entries.length === limit && last !== undefined) lines.push(`(older: --before ${last.id})`);
  return lines;
}
