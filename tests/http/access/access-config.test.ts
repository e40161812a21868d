/**
 * The access keys of the configuration: `auth` tokens (hash, role or roles by namespace, expiry, masking),
 * `auth: none`, tokens from RATCHET_TOKENS (hashed as read), `http` (TLS files, rate limit) and `automaton`;
 * every bad value reported with its path, and no secret ever quoted back in a problem.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { ConfigError, parseConfig } from "../../../src/config/config.js";
import { CLI } from "../../cli/cli-process.js";

const NAMESPACES =
  "namespaces:\n  payments:\n    processor: {url: http://127.0.0.1:9/p}\n  orders:\n    processor: {url: http://127.0.0.1:9/p}\n";
const HASH = createHash("sha256").update("s3cret").digest("hex");

function problemsOf(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(yaml + NAMESPACES, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  assert.fail("the configuration was accepted");
}

test("auth tokens: role for every namespace or for a list, roles by namespace, expiry and masking", () => {
  const config = parseConfig(
    `auth:
  tokens:
    - {name: ci, sha256: ${HASH.toUpperCase()}, role: operate}
    - {name: viewer, sha256: ${"a".repeat(64)}, role: read, namespaces: [payments], mask_payloads: true}
    - {name: ops, sha256: ${"b".repeat(64)}, roles: {payments: admin, orders: read}, expires_at: "2027-01-31T12:00:00Z"}
${NAMESPACES}`,
    {},
  );
  assert.equal(config.access.auth, "tokens");
  assert.deepEqual(
    config.access.tokens.map((token) => ({ ...token })),
    [
      {
        name: "ci",
        sha256: HASH,
        roles: { "*": "operate" },
        expiresAtMs: null,
        maskPayloads: false,
        source: "config",
      },
      {
        name: "viewer",
        sha256: "a".repeat(64),
        roles: { payments: "read" },
        expiresAtMs: null,
        maskPayloads: true,
        source: "config",
      },
      {
        name: "ops",
        sha256: "b".repeat(64),
        roles: { payments: "admin", orders: "read" },
        expiresAtMs: Date.parse("2027-01-31T12:00:00Z"),
        maskPayloads: false,
        source: "config",
      },
    ],
  );
  assert.equal(parseConfig(`auth: none\n${NAMESPACES}`, {}).access.auth, "none");
  assert.deepEqual(parseConfig(NAMESPACES, {}).access, { auth: "unset", tokens: [] });
});

test("bad tokens are reported with their paths: hash, role, roles with role, unknown namespace, expiry, duplicates", () => {
  const problems = problemsOf(`auth:
  tokens:
    - {name: a, sha256: nothex, role: read}
    - {name: b, sha256: ${HASH}, role: superuser}
    - {name: c, sha256: ${"c".repeat(64)}, role: read, roles: {payments: read}}
    - {name: d, sha256: ${"d".repeat(64)}, role: read, namespaces: []}
    - {name: e, sha256: ${"e".repeat(64)}, role: read, expires_at: tomorrow}
    - {name: e, sha256: ${HASH}}
`);
  const text = problems.join("\n");
  assert.match(text, /auth\.tokens\[0\]\.sha256: must be 64 hex digits/);
  assert.match(text, /auth\.tokens\[1\]\.role: must be one of read, operate, admin/);
  assert.match(text, /auth\.tokens\[2\]: gives roles, so it takes neither role nor namespaces/);
  assert.match(text, /auth\.tokens\[3\]\.namespaces: /);
  assert.match(text, /auth\.tokens\[4\]\.expires_at: must be an RFC 3339 instant/);
  assert.match(text, /auth\.tokens\[5\]: needs role/);
  // Checked once every token reads: namespaces that are not configured, names and secrets used twice.
  const references = problemsOf(`auth:
  tokens:
    - {name: d, sha256: ${"d".repeat(64)}, role: read, namespaces: [payments, invoices]}
    - {name: d, sha256: ${"d".repeat(64)}, roles: {"*": read, refunds: admin}}
`);
  assert.deepEqual(references, [
    "auth.tokens: name d is used twice",
    "auth.tokens: d's secret is another token's too",
    'auth.tokens[0]: d names namespace "invoices", which namespaces does not define',
    'auth.tokens[1]: d names namespace "refunds", which namespaces does not define',
  ]);
});

test("RATCHET_TOKENS gives hashed tokens for every namespace; bad entries are named without their secrets", () => {
  const config = parseConfig(NAMESPACES, { RATCHET_TOKENS: "ci:operate:s3cret, reader:read:with:colons" });
  assert.deepEqual(
    config.access.tokens.map((token) => [token.name, token.sha256, token.roles, token.source]),
    [
      ["ci", HASH, { "*": "operate" }, "environment"],
      ["reader", createHash("sha256").update("with:colons").digest("hex"), { "*": "read" }, "environment"],
    ],
  );
  assert.equal(config.access.auth, "tokens");
  assert.ok(!JSON.stringify(config).includes("s3cret"));
  const problems = problemsOf("", {
    RATCHET_TOKENS: "ci:boss:topsecret-1,bad name:read:topsecret-2,x:read:",
  });
  assert.deepEqual(problems, [
    "RATCHET_TOKENS[0]: (ci) has no role read, operate, admin",
    "RATCHET_TOKENS[1]: needs name:role:secret with a valid name",
    "RATCHET_TOKENS[2]: (x) has an empty secret",
  ]);
  assert.ok(!problems.join("\n").includes("topsecret"));
  assert.deepEqual(problemsOf("auth: none\n", { RATCHET_TOKENS: "ci:read:abc" }), [
    "auth: is none, but RATCHET_TOKENS gives tokens: choose one",
  ]);
  assert.match(
    problemsOf(`auth:\n  tokens:\n    - {name: ci, sha256: ${HASH}, role: read}\n`, {
      RATCHET_TOKENS: "ci:read:s3cret",
    }).join("\n"),
    /name ci is used twice[\s\S]*ci's secret is another token's too/,
  );
});

test("http: TLS files and the rate limit; automaton: its own listener and token header", () => {
  const config = parseConfig(
    `woody_server: {ip: "::", port: 8022}
http:
  tls: {cert_file: /etc/ratchet/cert.pem, key_file: /etc/ratchet/key.pem}
  rate_limit: {requests_per_second: 2.5}
automaton: {port: 8023, token_header: X-Ratchet-Token}
${NAMESPACES}`,
    {},
  );
  assert.deepEqual(config.http, {
    tls: { certFile: "/etc/ratchet/cert.pem", keyFile: "/etc/ratchet/key.pem" },
    rateLimit: { requestsPerSecond: 2.5, burst: 3 },
  });
  assert.deepEqual(config.automaton, { listener: { ip: "::", port: 8023 }, tokenHeader: "x-ratchet-token" });
  assert.deepEqual(parseConfig(NAMESPACES, {}).automaton, { listener: null, tokenHeader: null });
  assert.deepEqual(parseConfig(NAMESPACES, {}).http, { tls: null, rateLimit: null });
  assert.deepEqual(
    problemsOf(
      "automaton: {ip: 10.0.0.1, token_header: 'bad header'}\nhttp: {rate_limit: {requests_per_second: 0}}\n",
    ),
    [
      'automaton.token_header: must be a header name; got "bad header"',
      "http.rate_limit.requests_per_second: must be a number ≥ 0.001; got 0",
    ],
  );
  assert.deepEqual(problemsOf("automaton: {port: 8023, token_header: woody.meta.token}\n"), [
    "automaton.token_header: must not be a woody. header (woody.meta.* is stored and passed to processors)",
  ]);
  assert.deepEqual(problemsOf("automaton: {ip: 10.0.0.1}\n"), [
    "automaton.port: is required with automaton.ip (its own listener needs a port)",
  ]);
});

test("ratchet token hash prints the SHA-256 of the secret on standard input; an empty input is a usage error", async () => {
  const run = (input: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, "token", "hash"], { stdio: "pipe" });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input);
    });
  assert.deepEqual(await run("s3cret\n"), { code: 0, stdout: `${HASH}\n`, stderr: "" });
  const empty = await run("");
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /no secret on standard input/);
  // What it prints is what the configuration takes.
  const config = parseConfig(
    `auth:\n  tokens:\n    - {name: ci, sha256: ${(await run("s3cret")).stdout.trim()}, role: read}\n${NAMESPACES}`,
    {},
  );
  assert.equal(config.access.tokens[0]?.sha256, HASH);
});
