/**
 * Proves HTTP-JSON processors over HTTPS: the SDK's fetch handler (processorHandler) served by a real TLS server
 * with certificates made at test time (openssl) that requires a client certificate. A node built from a
 * configuration with `protocol: http-json` and `tls` files runs a machine through it; a client that does not
 * trust the server's CA fails the step as "processor unavailable", transient, as woody's does.
 */
import assert from "node:assert/strict";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { getRequestListener } from "@hono/node-server";
import { parseConfig } from "../../../src/config/config.js";
import { ProcessorUnavailableError } from "../../../src/core/errors.js";
import { EMPTY_AUX_STATE } from "../../../src/core/machine.js";
import { createHttpJsonProcessor } from "../../../src/http/processor-protocol/http-json-processor.js";
import { decodeValue, encodeValue } from "../../../src/mg/msgpack/msgpack-value.js";
import { valueFromNaturalJson, valueToNaturalJson } from "../../../src/mg/msgpack/natural-json.js";
import { createNodeFromConfig } from "../../../src/runtime/node-from-config.js";
import { defineProcessor, processorHandler } from "../../../src/sdk/index.js";
import { nowUs } from "../../mg/woody/local-http.js";
import { makeTestCertificates, type TestCertificates } from "../../support/certificates.js";

let certificates: TestCertificates;
let server: https.Server;
let url: string;

const overTls = defineProcessor({
  init: ({ args, result }) => result.append({ over: "tls", args }),
  call: ({ machine, result }) => result.respond(machine.history.length),
});

before(async () => {
  certificates = makeTestCertificates();
  const tls = {
    key: certificates.pem.serverKey,
    cert: certificates.pem.serverCert,
    ca: certificates.pem.ca,
    requestCert: true,
    rejectUnauthorized: true,
  };
  server = https.createServer(
    tls,
    getRequestListener(processorHandler(overTls), { overrideGlobalObjects: false }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/process`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  certificates.remove();
});

const encode = (json: unknown) => encodeValue(valueFromNaturalJson(json));

test("a node from a configuration with tls files runs a machine through an https:// HTTP-JSON processor", async () => {
  const { files } = certificates;
  const config = parseConfig(
    [
      "storage: {type: memory}",
      "namespaces:",
      "  secure:",
      "    processor:",
      `      url: ${url}`,
      "      protocol: http-json",
      `      tls: {ca_file: ${files.ca}, cert_file: ${files.clientCert}, key_file: ${files.clientKey}}`,
      "",
    ].join("\n"),
    {},
  );
  const node = await createNodeFromConfig(config);
  try {
    await node.engine.start("secure", "m", encode({ amount: 1 }));
    assert.equal(valueToNaturalJson(decodeValue(await node.engine.call("secure", "m", encode(null)))), 1);
    const machine = await node.engine.get("secure", "m");
    assert.deepEqual(valueToNaturalJson(decodeValue(machine.history[0]?.data as Uint8Array)), {
      over: "tls",
      args: { amount: 1 },
    });
  } finally {
    await node.close();
  }
});

test("a client that does not trust the server's CA fails the step as processor unavailable", async () => {
  const untrusting = createHttpJsonProcessor({
    url,
    tls: { cert: certificates.pem.clientCert, key: certificates.pem.clientKey },
    nowUs,
  });
  const machine = {
    namespace: "secure",
    id: "m",
    history: [],
    historyRange: { direction: "forward" as const },
    auxState: EMPTY_AUX_STATE,
    timerDueAtUs: null,
  };
  await assert.rejects(
    untrusting.process(
      { kind: "init", args: encode(null), machine },
      { deadlineUs: nowUs() + 5_000_000, abortSignal: new AbortController().signal },
    ),
    (error: unknown) => error instanceof ProcessorUnavailableError && /certificate/.test(error.message),
  );
  await untrusting.close?.();
});
