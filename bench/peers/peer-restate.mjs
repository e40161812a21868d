/**
 * Restate (server 1.7.12 from npm, TypeScript SDK 1.12.0: 1.14 and later call Promise.withResolvers, Node 22's): CHAINS keys of a virtual object whose `step` handler stores a
 * 64-byte payload in the key's state and sends itself the next `step` (one-way), so each key steps sequentially.
 * The server keeps its log and state on local disk (RocksDB), not in PostgreSQL; `--url` is not used.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CHAINS, measureWindow, payload, peerArgs, sleep } from "./chain-window.mjs";

// The SDK logs every invocation at INFO: that would measure the console. Read when the SDK loads.
process.env.RESTATE_LOGGING ??= "WARN";
const restate = await import("@restatedev/restate-sdk");

const { seconds } = peerArgs();
const counter = { steps: 0 };
let running = true;

const chain = restate.object({
  name: "chain",
  handlers: {
    step: async (ctx) => {
      ctx.set("last", payload());
      if (running) ctx.objectSendClient({ name: "chain" }, ctx.key).step();
      counter.steps += 1;
    },
  },
});

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const [ingress, admin, node, pgsql, sdk] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
const baseDir = mkdtempSync(join(tmpdir(), "restate-bench-"));
const binary = fileURLToPath(new URL("./node_modules/.bin/restate-server", import.meta.url));
const server = spawn(binary, [], {
  stdio: ["ignore", "ignore", "pipe"],
  env: {
    ...process.env,
    RESTATE_BASE_DIR: baseDir,
    RESTATE_NODE_NAME: "bench",
    RESTATE_INGRESS__BIND_ADDRESS: `127.0.0.1:${ingress}`,
    RESTATE_ADMIN__BIND_ADDRESS: `127.0.0.1:${admin}`,
    RESTATE_BIND_ADDRESS: `127.0.0.1:${node}`,
    RESTATE_ADVERTISED_ADDRESS: `http://127.0.0.1:${node}`,
    RESTATE_ADMIN__QUERY_ENGINE__PGSQL_BIND_ADDRESS: `127.0.0.1:${pgsql}`,
    RESTATE_LOG_FILTER: "warn",
  },
});
let serverErrors = "";
server.stderr.on("data", (chunk) => {
  serverErrors += chunk.toString();
});
try {
  await restate.endpoint().bind(chain).listen(sdk);
  await waitFor(`http://127.0.0.1:${admin}/health`);
  await waitFor(`http://127.0.0.1:${ingress}/restate/health`);
  const registered = await fetch(`http://127.0.0.1:${admin}/deployments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ uri: `http://127.0.0.1:${sdk}` }),
  });
  if (!registered.ok) throw new Error(`registering the deployment: ${registered.status} ${await registered.text()}`);
  for (let index = 0; index < CHAINS; index += 1) {
    const sent = await fetch(`http://127.0.0.1:${ingress}/chain/k${index}/step/send`, { method: "POST" });
    if (!sent.ok) throw new Error(`starting chain ${index}: ${sent.status} ${await sent.text()}`);
  }
  await measureWindow("Restate 1.7.12 (virtual object sends itself the next step)", counter, seconds, [server.pid]);
  running = false;
} finally {
  server.kill("SIGTERM");
  await new Promise((resolve) => server.once("exit", resolve));
  rmSync(baseDir, { recursive: true, force: true });
}
process.exit(0);

async function waitFor(url) {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within 30 s\n${serverErrors}`);
}
