/** The audit log line a node writes for each entry: one line of JSON, whatever its texts hold. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditLogLine } from "../../src/runtime/audit-log-line.js";

test("an audit entry's log line is one line of JSON whatever its detail holds", () => {
  const entry = {
    atUs: 1_700_000_000_123_456,
    actor: 'cli:"ops"',
    action: "repair",
    namespace: "payments",
    machineId: null,
    outcome: "failed" as const,
    detail: "RepairFailedError: first line\nsecond line\u2028third",
  };
  const line = auditLogLine(entry);
  assert.ok(line.startsWith("audit {"));
  assert.equal(line.split(/\r?\n|\u2028|\u2029/).length, 1, "line breaks in the detail stay escaped");
  assert.deepEqual(JSON.parse(line.slice("audit ".length)), {
    at: "2023-11-14T22:13:20.123456Z",
    actor: 'cli:"ops"',
    action: "repair",
    namespace: "payments",
    machine_id: null,
    outcome: "failed",
    detail: "RepairFailedError: first line\nsecond line\u2028third",
  });
});
