/**
 * Access control in a real `ratchet serve` process, with MG's test processor over woody in this process: the
 * closed JSON API and console on a non-loopback address without tokens (one warning, the Automaton unaffected);
 * `auth: none` there; tokens from the configuration and from RATCHET_TOKENS, with no secret ever in what the node
 * writes; HTTPS with certificates made at test time; the Automaton on its own port requiring a token header,
 * called with real Thrift bytes over woody.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { MG_SCHEMA, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import { decodeReply, encodeCall, type ReplyOutcome } from "../../../src/mg/thrift/message.js";
import { serviceSchemaOf } from "../../../src/mg/thrift/schema.js";
import { createWoodyClient } from "../../../src/mg/woody/client.js";
import { childContext, contextHeaders } from "../../../src/mg/woody/context.js";
import { decodeErrorReason, THRIFT_CONTENT_TYPE } from "../../../src/mg/woody/headers.js";
import { CLI } from "../../cli/cli-process.js";
import { nowUs } from "../../mg/woody/local-http.js";
import { startTestProcessor, type TestProcessor } from "../../mg/woody-e2e/mg-test-processor.js";
import { makeTestCertificates, type TestCertificates } from "../../support/certificates.js";
import { waitFor } from "../../support/wait.js";

let directory: string;
let processor: TestProcessor;
let certificates: TestCertificates;
const children: ChildProcess[] = [];

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-serve-access-"));
  processor = await startTestProcessor();
  certificates = makeTestCertificates();
});

after(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await processor.close();
  certificates.remove();
  rmSync(directory, { recursive: true, force: true });
});

const sha256 = (secret: string) => createHash("sha256").update(secret).digest("hex");

interface Served {
  /** `http://127.0.0.1:PORT` (or https), whatever address the node bound. */
  readonly base: string;
  readonly automatonBase: string | undefined;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  stderr(): string;
  stop(): Promise<number | null>;
}

async function serve(
  extraYaml: string,
  options: { ip?: string; env?: Record<string, string> } = {},
): Promise<Served> {
  const configPath = join(directory, `config-${children.length}.yaml`);
  writeFileSync(
    configPath,
    `woody_server:\n  ip: "${options.ip ?? "127.0.0.1"}"\n  port: 0\nstorage:\n  type: memory\n${extraYaml}namespaces:\n  NS:\n    processor:\n      url: ${processor.url}\n`,
  );
  const child = spawn(process.execPath, [CLI, "serve", "--config", configPath], {
    stdio: "pipe",
    env: { ...process.env, ...options.env },
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const listening = await waitFor(
    `the listening line (stderr: ${stderr})`,
    () => /listening on (https?):\/\/\S+?:(\d+) /.exec(stdout) ?? undefined,
    { timeoutMs: 15_000, intervalMs: 20 },
  );
  const automatonPort = /Automaton on https?:\/\/\S+?:(\d+)\//.exec(stdout)?.[1];
  const scheme = listening[1];
  return {
    base: `${scheme}://127.0.0.1:${listening[2]}`,
    automatonBase: automatonPort === undefined ? undefined : `${scheme}://127.0.0.1:${automatonPort}`,
    output: () => stdout + stderr,
    stderr: () => stderr,
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

async function send(url: string, options: { method?: string; token?: string; body?: unknown } = {}) {
  const response = await fetch(url, {
    method: options.method ?? "GET",
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    text,
    json: text ? JSON.parse(text) : null,
  };
}

const AUTOMATON = serviceSchemaOf(MG_SCHEMA, stateProcessing.SERVICE.Automaton);

/** One Automaton call as a woody client sends it (Thrift binary over HTTP, woody's headers), with extra headers. */
async function automatonCall(
  url: string,
  method: "Start" | "GetMachine",
  args: object,
  headers: Record<string, string> = {},
): Promise<{ status: number; errorClass: string | null; reason: string | null; reply?: ReplyOutcome }> {
  const schema = AUTOMATON.functions[method];
  assert.ok(schema !== undefined);
  const response = await fetch(`${url}/v1/automaton`, {
    method: "POST",
    headers: {
      "content-type": THRIFT_CONTENT_TYPE,
      accept: THRIFT_CONTENT_TYPE,
      ...contextHeaders(childContext(undefined)),
      ...headers,
    },
    body: encodeCall(MG_SCHEMA, schema, args, { seqid: 0 }),
  });
  const body = new Uint8Array(await response.arrayBuffer());
  const reason = response.headers.get("woody.error-reason");
  return {
    status: response.status,
    errorClass: response.headers.get("woody.error-class"),
    reason: reason === null ? null : decodeErrorReason(reason),
    ...(response.status === 200 ? { reply: decodeReply(MG_SCHEMA, schema, body, { seqid: 0 }) } : {}),
  };
}

const getMachine = (id: string) => ({ desc: { ns: "NS", ref: { id }, range: {} } });

test("on a non-loopback address without tokens, serve closes the JSON API and the console with one warning; the Automaton answers as before", async () => {
  const served = await serve("", { ip: "0.0.0.0" });
  try {
    const list = await send(`${served.base}/v1/namespaces`);
    assert.equal(list.status, 403);
    assert.equal(list.type, "application/problem+json");
    assert.equal(list.json.type, "urn:ratchet:problem:access-not-configured");
    assert.match(list.json.detail, /auth\.tokens/);
    const start = await send(`${served.base}/v1/namespaces/NS/machines`, {
      method: "POST",
      body: { id: "m-1", args: {} },
    });
    assert.equal(start.status, 403);
    assert.equal((await send(`${served.base}/console`)).status, 403);
    assert.equal((await send(`${served.base}/health`)).status, 200);
    const warnings = served
      .stderr()
      .split("\n")
      .filter((line) => line.includes("are closed"));
    assert.equal(warnings.length, 1, served.stderr());
    assert.match(
      warnings[0] ?? "",
      /^warning: the JSON API and the console are closed: this node listens on 0\.0\.0\.0/,
    );
    const missing = await automatonCall(served.base, "GetMachine", getMachine("m-1"));
    assert.equal(missing.status, 200);
    assert.equal(missing.reply?.kind === "exception" && missing.reply.typeName, "MachineNotFound");
    const started = await automatonCall(served.base, "Start", { ns: "NS", id: "m-2", a: { str: "go" } });
    assert.equal(started.status, 200);
    assert.equal((await automatonCall(served.base, "GetMachine", getMachine("m-2"))).reply?.kind, "success");
  } finally {
    assert.equal(await served.stop(), 0);
  }
});

test("auth: none on a non-loopback address serves the JSON API to anyone, without the warning", async () => {
  const served = await serve("auth: none\n", { ip: "0.0.0.0" });
  try {
    assert.equal((await send(`${served.base}/v1/namespaces`)).status, 200);
    assert.deepEqual((await send(`${served.base}/v1/whoami`)).json, {
      actor: "anonymous",
      roles: { "*": "admin" },
      auth: "none",
    });
    assert.doesNotMatch(served.stderr(), /are closed/);
  } finally {
    await served.stop();
  }
});

test("tokens from the config and RATCHET_TOKENS apply their roles, an action is audited in the log under its token's name, and no secret appears in anything the node writes", async () => {
  const secrets = ["config-reader-7f3a9c", "env-operator-4b1e2d", "never-valid-9d8c7b"];
  const served = await serve(
    `auth:\n  tokens:\n    - {name: viewer, sha256: ${sha256(secrets[0] as string)}, role: read}\n` +
      "automaton:\n  token_header: x-ratchet-token\n",
    { ip: "0.0.0.0", env: { RATCHET_TOKENS: `deployer:operate:${secrets[1]}` } },
  );
  try {
    const [reader, operator, wrong] = secrets as [string, string, string];
    const machines = `${served.base}/v1/namespaces/NS/machines`;
    const refused = await send(machines, {
      method: "POST",
      token: reader,
      body: { id: "t-1", args: { str: "x" } },
    });
    assert.equal(refused.status, 403);
    assert.equal(
      (await send(machines, { method: "POST", token: wrong, body: { id: "t-1", args: {} } })).status,
      401,
    );
    const started = await send(machines, {
      method: "POST",
      token: operator,
      body: { id: "t-1", args: { str: "go" } },
    });
    assert.equal(started.status, 201, started.text);
    assert.equal((await send(`${machines}/t-1`, { token: reader })).status, 200);
    assert.equal((await send(`${served.base}/v1/whoami`, { token: operator })).json.actor, "deployer");
    // The Automaton with its header: a wrong token is refused, an operate token served, a read token forbidden.
    assert.equal(
      (await automatonCall(served.base, "GetMachine", getMachine("t-1"), { "x-ratchet-token": wrong }))
        .status,
      401,
    );
    assert.equal(
      (await automatonCall(served.base, "GetMachine", getMachine("t-1"), { "x-ratchet-token": reader }))
        .status,
      403,
    );
    const read = await automatonCall(served.base, "GetMachine", getMachine("t-1"), {
      "x-ratchet-token": operator,
    });
    assert.equal(read.reply?.kind, "success");
    // A processor failure makes the node write an error line with the request's context.
    assert.equal(
      (
        await send(`${machines}/t-1/call`, {
          method: "POST",
          token: operator,
          body: { args: { str: "fail" } },
        })
      ).status >= 400,
      true,
    );
    // An operator action is audited under the token's name, with its line in the node's log.
    await send(`${machines}/t-1/pause`, { method: "POST", token: operator, body: { reason: "audit line" } });
    await waitFor("the audit line of the pause", () =>
      /"kind":"audit"[^\n]*deployer[^\n]*pause/.test(served.output()),
    );
    assert.match(
      served.output(),
      /access: 2 token\(s\) \(1 from the config, 1 from RATCHET_TOKENS\): viewer, deployer/,
    );
  } finally {
    assert.equal(await served.stop(), 0);
  }
  for (const secret of secrets)
    assert.ok(!served.output().includes(secret), `${secret} was written:\n${served.output()}`);
});

test("with http.tls the node serves the JSON API and the Automaton over HTTPS with the configured certificate", async () => {
  const { files, pem } = certificates;
  const served = await serve(
    `auth: none\nhttp:\n  tls: {cert_file: ${files.serverCert}, key_file: ${files.serverKey}}\n`,
  );
  try {
    assert.match(served.base, /^https:/);
    const body = await new Promise<{ status: number | undefined; text: string }>((resolve, reject) => {
      https
        .get(`${served.base}/v1/namespaces`, { ca: pem.ca }, (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => {
            text += chunk.toString();
          });
          response.on("end", () => resolve({ status: response.statusCode, text }));
        })
        .on("error", reject);
    });
    assert.equal(body.status, 200);
    assert.deepEqual(
      (JSON.parse(body.text) as { namespaces: { name: string }[] }).namespaces.map((ns) => ns.name),
      ["NS"],
    );
    // Untrusted without the CA: the certificate is the configured one, not a default.
    await assert.rejects(fetch(`${served.base}/health`));
    const client = createWoodyClient<stateProcessing.AutomatonMethods>({
      schema: MG_SCHEMA,
      service: stateProcessing.SERVICE.Automaton,
      url: `${served.base}/v1/automaton`,
      tls: { ca: pem.ca },
      nowUs,
    });
    try {
      await client.call("Start", { ns: "NS", id: "tls-1", a: { str: "go" } });
      const machine = await client.call("GetMachine", getMachine("tls-1"));
      assert.equal(machine.id, "tls-1");
    } finally {
      client.close();
    }
  } finally {
    await served.stop();
  }
});

test("the Automaton on its own port requires its token header; the main port no longer serves it", async () => {
  const secret = "automaton-secret-5e6f";
  const served = await serve(
    `auth:\n  tokens:\n    - {name: mg-client, sha256: ${sha256(secret)}, role: operate}\n` +
      "automaton:\n  ip: 127.0.0.1\n  port: 0\n  token_header: X-Ratchet-Token\n",
  );
  try {
    const own = served.automatonBase;
    assert.ok(own !== undefined, served.output());
    assert.notEqual(own, served.base);
    const bare = await automatonCall(own, "Start", { ns: "NS", id: "own-1", a: { str: "go" } });
    assert.equal(bare.status, 401);
    assert.equal(bare.errorClass, "Result Unexpected");
    assert.match(bare.reason ?? "", /x-ratchet-token header is required/);
    const missing = await automatonCall(own, "GetMachine", getMachine("own-1"), {
      "x-ratchet-token": secret,
    });
    assert.equal(missing.reply?.kind === "exception" && missing.reply.typeName, "MachineNotFound");
    const started = await automatonCall(
      own,
      "Start",
      { ns: "NS", id: "own-1", a: { str: "go" } },
      { "x-ratchet-token": secret },
    );
    assert.equal(started.status, 200);
    assert.equal(
      (await automatonCall(own, "GetMachine", getMachine("own-1"), { "x-ratchet-token": secret })).reply
        ?.kind,
      "success",
    );
    const onMain = await automatonCall(served.base, "GetMachine", getMachine("own-1"), {
      "x-ratchet-token": secret,
    });
    assert.equal(onMain.status, 404);
    assert.equal(
      (await send(`${served.base}/v1/namespaces/NS/machines/own-1`, { token: secret })).status,
      200,
    );
  } finally {
    assert.equal(await served.stop(), 0);
  }
});
