/**
 * Proves woody processors work over HTTPS and that every transport failure is transient, never fatal: a real TLS
 * server with certificates made at test time (openssl) serves MG's Processor; the woody processor trusts its CA
 * and presents a client certificate the server requires. Without the CA (an untrusted certificate), without the
 * client certificate, to a refused port, to a name that does not resolve, and to a server that resets the
 * connection, a step fails with ProcessorUnavailableError or ProcessorTimeoutError, so the machine keeps running.
 * Then a node from a configuration with `tls` files runs a machine through that server.
 */
import assert from "node:assert/strict";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { parseConfig } from "../../../src/config/config.js";
import { ProcessorFailedError, RatchetError } from "../../../src/core/errors.js";
import { FULL_HISTORY } from "../../../src/core/history-range.js";
import { EMPTY_AUX_STATE } from "../../../src/core/machine.js";
import { encodeValue } from "../../../src/mg/msgpack/msgpack-value.js";
import {
  createWoodyProcessor,
  type WoodyEndpointOptions,
} from "../../../src/mg/processor/woody-processor.js";
import { MG_SCHEMA, stateProcessing } from "../../../src/mg/thrift/generated/index.js";
import { createWoodyService } from "../../../src/mg/woody/service-router.js";
import type { ProcessorRequest } from "../../../src/processors/processor.js";
import { createNodeFromConfig } from "../../../src/runtime/node-from-config.js";
import { makeTestCertificates, type TestCertificates } from "../../support/certificates.js";
import { closedPort, nowUs } from "./local-http.js";

let certificates: TestCertificates;
let server: https.Server;
let resetting: https.Server;
let url: string;

const processorService = createWoodyService<stateProcessing.ProcessorMethods>({
  schema: MG_SCHEMA,
  service: stateProcessing.SERVICE.Processor,
  nowUs,
  handlers: {
    ProcessSignal: async () => ({
      change: { events: [{ data: { str: "over tls" } }], aux_state: { data: { str: "aux" } } },
      action: {},
    }),
    ProcessCall: async ({ a }) => ({ response: a.arg, change: {}, action: {} }),
    ProcessRepair: async () => ({ response: { nl: {} }, change: {}, action: {} }),
  },
});

async function listenTls(handler: Parameters<typeof https.createServer>[1]): Promise<https.Server> {
  const tlsServer = https.createServer(
    {
      key: certificates.pem.serverKey,
      cert: certificates.pem.serverCert,
      ca: certificates.pem.ca,
      requestCert: true,
      rejectUnauthorized: true,
    },
    handler,
  );
  await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
  return tlsServer;
}

before(async () => {
  certificates = makeTestCertificates();
  server = await listenTls((request, response) => void processorService(request, response));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1/stateproc`;
  resetting = await listenTls((request) => request.socket.destroy());
});

after(async () => {
  for (const tlsServer of [server, resetting]) {
    tlsServer.closeAllConnections();
    await new Promise((resolve) => tlsServer.close(resolve));
  }
  certificates.remove();
});

const init: ProcessorRequest = {
  kind: "init",
  args: encodeValue({ str: "go" }),
  machine: {
    namespace: "ns",
    id: "m",
    history: [],
    historyRange: FULL_HISTORY,
    auxState: EMPTY_AUX_STATE,
    timerDueAtUs: null,
  },
};

async function processWith(endpoint: Partial<WoodyEndpointOptions>) {
  const processor = createWoodyProcessor({ url, nowUs, ...endpoint });
  try {
    return await processor.process(init, {
      deadlineUs: nowUs() + 5_000_000,
      abortSignal: new AbortController().signal,
    });
  } finally {
    await processor.close?.();
  }
}

const trusted = () => ({
  ca: certificates.pem.ca,
  cert: certificates.pem.clientCert,
  key: certificates.pem.clientKey,
});

test("a woody processor over HTTPS: the CA is trusted and the client certificate is presented", async () => {
  const result = await processWith({ tls: trusted() });
  assert.equal(result.events.length, 1);
});

test("every transport failure is transient: untrusted server, no client certificate, refused, DNS, reset", async () => {
  const refused = `https://127.0.0.1:${await closedPort()}/v1/stateproc`;
  const resetUrl = `https://127.0.0.1:${(resetting.address() as AddressInfo).port}/v1/stateproc`;
  const cases: Array<{ name: string; endpoint: Partial<WoodyEndpointOptions> }> = [
    { name: "a certificate signed by a CA it does not trust", endpoint: { tls: {} } },
    {
      name: "no client certificate for a server that requires one",
      endpoint: { tls: { ca: certificates.pem.ca } },
    },
    { name: "a refused port", endpoint: { url: refused, tls: trusted() } },
    { name: "a name that does not resolve", endpoint: { url: "https://ratchet-test.invalid/v1/stateproc" } },
    { name: "a server that resets the connection", endpoint: { url: resetUrl, tls: trusted() } },
  ];
  for (const { name, endpoint } of cases) {
    const error = await processWith(endpoint).then(
      () => assert.fail(`${name}: the step succeeded`),
      (thrown: unknown) => thrown,
    );
    assert.ok(!(error instanceof ProcessorFailedError), `${name}: not fatal (${String(error)})`);
    assert.ok(error instanceof RatchetError && error.transient, `${name}: transient (${String(error)})`);
  }
});

test("a node from a configuration with tls files runs a machine through the HTTPS processor", async () => {
  const yaml = `
storage: {type: memory}
namespaces:
  secure:
    processor:
      url: ${url}
      tls: {ca_file: ${certificates.files.ca}, cert_file: ${certificates.files.clientCert}, key_file: ${certificates.files.clientKey}}
`;
  const node = await createNodeFromConfig(parseConfig(yaml, {}), { schedulerEnabled: false });
  try {
    await node.engine.start("secure", "m", encodeValue({ str: "go" }));
    assert.equal((await node.engine.get("secure", "m")).record.lastEventId, 1);
  } finally {
    await node.close();
  }
  const missing = yaml.replace(certificates.files.ca, `${certificates.folder}/missing.pem`);
  await assert.rejects(createNodeFromConfig(parseConfig(missing, {})), /tls\.ca_file: cannot read/);
  assert.throws(
    () => parseConfig(yaml.replace("https://", "http://"), {}),
    /namespaces\.secure\.processor\.tls: is only for https:\/\/ URLs/,
  );
});
