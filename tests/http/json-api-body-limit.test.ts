/**
 * The JSON API's body bound over a real socket (Node's server, as `ratchet serve` runs it), for requests that
 * declare no length: a DELETE sent by fetch and a chunked POST pass it and are served; a chunked body above the
 * bound is refused with 413 and creates nothing. (In-process, `app.request()` never builds such a request.)
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { type ApiNode, BODY_BYTES_MAX, startApiNode } from "../support/api-node.js";

let api: ApiNode | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** A body fetch sends chunked: a stream, whose length it cannot declare. */
function chunked(text: string): RequestInit {
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += 16 * 1024)
        controller.enqueue(bytes.subarray(offset, offset + 16 * 1024));
      controller.close();
    },
  });
  return {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
    duplex: "half",
  } as RequestInit;
}

test("a DELETE without a length and a chunked POST are served; a chunked body above the bound is 413", async () => {
  api = await startApiNode();
  const machines = `${api.baseUrl}/v1/namespaces/payments/machines`;
  const created = await fetch(machines, chunked(JSON.stringify({ id: "m", args: { amount: 1 } })));
  assert.equal(created.status, 201, await created.clone().text());
  assert.equal(((await created.json()) as { id: string }).id, "m");
  const removed = await fetch(`${machines}/m`, { method: "DELETE" });
  assert.equal(removed.status, 204, await removed.text());
  assert.equal((await fetch(`${machines}/m`)).status, 404);

  const large = JSON.stringify({ id: "big", args: "y".repeat(BODY_BYTES_MAX) });
  const refused = await fetch(machines, chunked(large));
  assert.equal(refused.status, 413);
  assert.equal(refused.headers.get("content-type"), "application/problem+json");
  const problem = (await refused.json()) as { type: string; limit: string };
  assert.deepEqual(
    [problem.type, problem.limit],
    ["urn:ratchet:problem:request-too-large", "request body bytes"],
  );
  const listed = (await (await fetch(machines)).json()) as { machines: unknown[] };
  assert.deepEqual(listed.machines, [], "nothing was created");
  assert.deepEqual(api.invocations, ["m:init"]);
});
