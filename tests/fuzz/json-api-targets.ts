/**
 * The JSON API in-process (`app.request()`, no socket) over a real engine on in-memory SQLite, with arbitrary
 * methods, paths (known routes, unknown ones, hostile ids and percent-encodings), queries, headers and bodies
 * (JSON, natural-JSON escapes, garbage). Property: every answer is a valid answer (2xx with JSON or no body) or
 * application/problem+json of the documented set with its documented status; never a 500.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { Engine } from "../../src/engine/engine.js";
import { createJsonApi } from "../../src/http/api/json-api.js";
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES } from "../../src/http/api/problems.js";
import { localProcessor } from "../../src/processors/local-processor.js";
import { SystemClock } from "../../src/runtime/system-clock.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { defineTarget, type FuzzTarget, violation } from "./fuzz-target.js";

interface ApiInput {
  readonly method: string;
  readonly path: string;
  readonly query: readonly (readonly [string, string])[];
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

const segment = fc.oneof(
  fc.constantFrom("m", "pay-1", "x".repeat(1100), "%E0%A4%A", "%00", "%ZZ", "..", "%2F", "é", "\u{1F600}"),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const namespace = fc.oneof(fc.constantFrom("payments", "payments", "nowhere", "%E0%A4%A"), segment);
const tail = fc.constantFrom(
  "",
  "",
  "/call",
  "/repair",
  "/notify",
  "/simple-repair",
  "/notifications",
  "/other",
);
const path = fc.oneof(
  fc.tuple(namespace, segment, tail).map(([ns, id, rest]) => `/v1/namespaces/${ns}/machines/${id}${rest}`),
  namespace.map((ns) => `/v1/namespaces/${ns}/machines`),
  fc.constantFrom(
    "/v1/namespaces",
    "/v1",
    "/v1/",
    "/openapi.json",
    "/v1/namespaces/payments",
    "/v1/x/y/z",
    "/v1/audit",
  ),
);
const queryValue = fc.oneof(
  fc.constantFrom(
    "10",
    "0",
    "-1",
    "1001",
    "99999999999999999",
    "1e3",
    "forward",
    "backward",
    "failed",
    "working",
  ),
  fc.constantFrom("2025-01-01T00:00:00Z", "bad", "bQ", "%E0", "AA", ""),
  fc.string({ maxLength: 10 }),
);
const queryKey = fc.constantFrom(
  "after",
  "limit",
  "direction",
  "status",
  "prefix",
  "cursor",
  "timer_due_before",
  "updated_since",
  "namespace",
  "machine_id",
  "other",
);
const natural = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    { $int: "9223372036854775808" },
    { $bytes: "AAE=" },
    { $float: 2 },
    { $map: [[1, 2]] },
    { $x: 1 },
  ),
);
const body = fc.oneof(
  fc
    .record({ id: fc.oneof(segment, fc.jsonValue({ maxDepth: 1 })), args: natural })
    .map((value) => JSON.stringify(value)),
  fc
    .record({ args: natural, range: fc.option(fc.jsonValue({ maxDepth: 2 })) })
    .map((value) => JSON.stringify(value)),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 40 }),
  fc.constant("x".repeat(70_000)),
);

const apiInputs: fc.Arbitrary<ApiInput> = fc.record({
  method: fc.constantFrom("GET", "POST", "POST", "DELETE", "PUT", "PATCH"),
  path,
  query: fc.array(fc.tuple(queryKey, queryValue), { maxLength: 4 }),
  headers: fc.record(
    {
      "content-type": fc.constantFrom(
        "application/json",
        "application/json",
        "text/plain",
        "application/json; charset=utf-8",
      ),
      "idempotency-key": fc.oneof(
        fc.constantFrom("k1", '"k1"', "", "\u00e9", "k".repeat(300)),
        fc.string({ maxLength: 8 }),
      ),
    },
    { requiredKeys: [] },
  ),
  body: fc.option(body, { nil: undefined }),
});

async function openJsonApi() {
  const clock = new SystemClock();
  const storage = new SqliteStorage({ path: ":memory:", nowUs: () => clock.nowUs() });
  const processor = localProcessor({
    init: () => ({ events: [{ data: new Uint8Array([0x0b, 0x00, 0x05, 0, 0, 0, 0, 0]) }] }),
    call: ({ args }) => ({ events: [{ data: args }], response: args }),
    repair: ({ args }) => ({ response: args }),
    notification: ({ args }) => ({ events: [{ data: args }] }),
  });
  const engine = new Engine({
    storage,
    clock,
    random: Math.random,
    newId: randomUUID,
    owner: `fuzz-${randomUUID()}`,
    namespaces: [{ name: "payments", processor, defaultProcessingTimeoutMs: 2000 }],
    defer: setImmediate,
  });
  const unexpected: string[] = [];
  const app = createJsonApi({
    engine,
    queries: storage,
    nowUs: () => clock.nowUs(),
    bodyBytesMax: 64 * 1024,
    onUnexpectedError: (error, method) => unexpected.push(`${method}: ${error.message}`),
  });
  const check = async (input: ApiInput) => {
    const search = new URLSearchParams(
      input.query.map(([key, value]): [string, string] => [key, value]),
    ).toString();
    const url = `http://localhost${input.path}${search === "" ? "" : `?${search}`}`;
    const init: RequestInit = { method: input.method, headers: { ...input.headers } };
    if (input.body !== undefined && input.method !== "GET") init.body = input.body;
    const response = await app.request(url, init);
    const text = await response.text();
    checkAnswer(response, text, input);
    if (unexpected.length > 0) violation(`an unexpected error was reported: ${unexpected.join("; ")}`);
  };
  return {
    kind: "async" as const,
    check,
    close: async () => {
      await engine.close({ drainTimeoutMs: 2000 });
      await storage.close();
    },
  };
}

function checkAnswer(response: Response, text: string, input: ApiInput): void {
  const { status } = response;
  const where = `${input.method} ${input.path}`;
  if (status >= 200 && status < 300) {
    if (text !== "") JSON.parse(text);
    if (status !== 204 && response.headers.get("content-type")?.startsWith("application/json") !== true) {
      violation(`${where} answered ${status} without JSON`);
    }
    return;
  }
  if (response.headers.get("content-type") !== PROBLEM_CONTENT_TYPE)
    violation(`${where}: ${status} is no problem: ${text}`);
  const problem = JSON.parse(text) as { type?: string; status?: number };
  const documented = problem.type === undefined ? undefined : PROBLEM_TYPES[problem.type];
  if (documented !== status || problem.status !== status) {
    violation(`${where}: ${status} ${problem.type} is not in the documented set with that status: ${text}`);
  }
}

export const JSON_API_TARGETS: readonly FuzzTarget[] = [
  defineTarget({
    name: "json-api",
    description: "the JSON API in-process: arbitrary methods, paths, queries, headers and bodies",
    testCases: 1500,
    arbitrary: apiInputs,
    open: openJsonApi,
  }),
];
