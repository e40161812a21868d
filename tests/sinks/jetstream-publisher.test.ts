/**
 * The JetStream publisher against a nats-server of its own (a process started here on a free port, JetStream on,
 * one user whose permissions the test changes by rewriting the server's configuration and reloading it): when the
 * server revokes the user's right to subscribe to inboxes, the publisher's ack subscription is closed; its
 * publishes then fail at once with the server's PERMISSIONS_VIOLATION (never waiting for an ack that cannot come),
 * and once the right is back the next publish subscribes a fresh inbox and is acknowledged. Without that, every
 * later publish would time out for as long as the connection lived.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { connect, headers, type NatsConnection } from "nats";
import { JetStreamPublisher } from "../../src/sinks/nats/jetstream-publisher.js";
import { classifyNatsError } from "../../src/sinks/nats/nats-errors.js";
import { waitFor } from "../support/wait.js";

const USER = "sink";
const PASSWORD = "sink-password";
/** Long enough that a publish failing by timeout could not pass for one refused at once within a probe. */
const ACK_TIMEOUT_MS = 20_000;

let directory: string;
let configPath: string;
let server: ChildProcess;
let port: number;

async function freePort(): Promise<number> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const { port: free } = listener.address() as { port: number };
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  return free;
}

/** The server's configuration, inboxes allowed or denied to the user. */
function writeConfig(inboxes: "allowed" | "denied"): void {
  const subscribe = inboxes === "allowed" ? '">"' : '{ allow: ">", deny: "_INBOX.>" }';
  writeFileSync(
    configPath,
    [
      `port: ${port}`,
      `jetstream { store_dir: ${JSON.stringify(join(directory, "store"))} }`,
      `authorization { users = [ { user: "${USER}", password: "${PASSWORD}", permissions: { publish: ">", subscribe: ${subscribe} } } ] }`,
    ].join("\n"),
  );
}

function reloadWith(inboxes: "allowed" | "denied"): void {
  writeConfig(inboxes);
  server.kill("SIGHUP"); // nats-server reloads its configuration, permissions included
}

before(async () => {
  directory = mkdtempSync(join(tmpdir(), "ratchet-nats-permissions-"));
  configPath = join(directory, "nats.conf");
  port = await freePort();
  writeConfig("allowed");
  server = spawn("nats-server", ["-c", configPath], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  server.stderr?.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  await waitFor("nats-server to be ready", () => log.includes("Server is ready"), { timeoutMs: 15_000 });
});

after(async () => {
  if (server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
  rmSync(directory, { recursive: true, force: true });
});

/** One publish: its stream sequence, or the error it failed with. */
async function attempt(
  publisher: JetStreamPublisher,
  subject: string,
): Promise<{ seq: number } | { error: { code?: string } }> {
  try {
    return { seq: (await publisher.publish(subject, new Uint8Array([1]), headers())).seq };
  } catch (error) {
    return { error: error as { code?: string } };
  }
}

test("a revoked inbox permission fails publishes at once with the server's error; once it is back, publishes are acknowledged again", async () => {
  let nc: NatsConnection | undefined;
  try {
    nc = await connect({ servers: `nats://127.0.0.1:${port}`, user: USER, pass: PASSWORD });
    const manager = await nc.jetstreamManager();
    await manager.streams.add({ name: "PERMISSIONS", subjects: ["permissions.>"] });
    const publisher = new JetStreamPublisher(nc, ACK_TIMEOUT_MS);
    assert.deepEqual(await attempt(publisher, "permissions.a"), { seq: 1 });

    reloadWith("denied");
    const refused = await waitFor(
      "a publish refused for the inbox",
      async () => {
        const outcome = await attempt(publisher, "permissions.a");
        return "error" in outcome ? outcome.error : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    assert.equal(refused.code, "PERMISSIONS_VIOLATION");
    assert.equal(classifyNatsError(refused), "unavailable", "retried by the relay, not parked");

    reloadWith("allowed");
    const acknowledged = await waitFor(
      "a publish acknowledged after the permission came back",
      async () => {
        const outcome = await attempt(publisher, "permissions.a");
        if ("seq" in outcome) return outcome;
        assert.equal(outcome.error.code, "PERMISSIONS_VIOLATION", "refused by the server, never timed out");
        return undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    assert.ok(acknowledged.seq >= 2);
  } finally {
    await nc?.close();
  }
});
