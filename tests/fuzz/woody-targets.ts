/**
 * The woody request reader (src/mg/woody/request-reader.ts), fed in two ways: an in-memory IncomingMessage whose
 * body arrives in chunks and may fail midway (fast), and raw bytes over TCP to a real HTTP server on port 0, with
 * honest and dishonest framing (content-length exact, short, long or absent; chunked). Property: the reader
 * resolves, with the call or the rejection the §3.5 model predicts, and the server answers it.
 */
import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { setImmediate as nextTurn } from "node:timers/promises";
import fc from "fast-check";
import { readWoodyRequest } from "../../src/mg/woody/request-reader.js";
import { defineTarget, type FuzzTarget } from "./fuzz-target.js";
import { checkOutcome, chunksOf, readerOptions, withinAnswerTime } from "./woody-checks.js";
import { BODY_BYTES_MAX, type WoodyRequestInput, woodyRequestArbitrary } from "./woody-requests.js";
import { openWoodyServer } from "./woody-server.js";

interface StreamInput {
  readonly request: WoodyRequestInput;
  readonly declared: "exact" | "absent" | number;
  /** Chunk boundaries, as fractions of the body. */
  readonly cuts: readonly number[];
  readonly ending: "end" | "error" | "aborted";
  /** Chunks delivered before a failing ending. */
  readonly deliveredChunks: number;
}

const streamInputs: fc.Arbitrary<StreamInput> = fc.record({
  request: woodyRequestArbitrary,
  declared: fc.oneof(
    { weight: 4, arbitrary: fc.constant("exact" as const) },
    { weight: 1, arbitrary: fc.constant("absent" as const) },
    { weight: 1, arbitrary: fc.nat(BODY_BYTES_MAX * 2) },
  ),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
  ending: fc.constantFrom("end", "end", "end", "error", "aborted"),
  deliveredChunks: fc.nat(5),
});

async function checkStream(input: StreamInput): Promise<void> {
  const { request } = input;
  const message = new IncomingMessage(new Socket());
  message.method = request.method;
  const declaredBytes =
    input.declared === "absent"
      ? undefined
      : input.declared === "exact"
        ? request.body.byteLength
        : input.declared;
  message.headers = {
    ...request.headers,
    ...(declaredBytes !== undefined && { "content-length": String(declaredBytes) }),
  };
  const pending = readWoodyRequest(message, readerOptions());
  const chunks = chunksOf(request.body, input.cuts);
  const delivered = input.ending === "end" ? chunks.length : Math.min(input.deliveredChunks, chunks.length);
  for (const chunk of chunks.slice(0, delivered)) {
    message.push(chunk);
    await nextTurn();
  }
  if (input.ending === "end") message.push(null);
  else if (input.ending === "aborted") message.emit("aborted");
  else message.destroy(new Error("connection reset"));
  const outcome = await withinAnswerTime(pending);
  message.destroy();
  const body =
    input.ending === "end" ? request.body : new Uint8Array(Buffer.concat(chunks.slice(0, delivered)));
  checkOutcome(request, { body, declaredBytes, broken: input.ending !== "end" }, outcome);
}

export const WOODY_TARGETS: readonly FuzzTarget[] = [
  defineTarget({
    name: "woody-request",
    description:
      "the request reader on an in-memory IncomingMessage: headers, deadline, body in chunks, failures",
    testCases: 2000,
    arbitrary: streamInputs,
    open: async () => ({ kind: "async", check: checkStream }),
  }),
  defineTarget({
    name: "woody-http",
    description:
      "raw requests over TCP to a real HTTP server on port 0 that reads them with the request reader",
    testCases: 1000,
    arbitrary: fc.record({
      request: woodyRequestArbitrary,
      framing: fc.constantFrom("length", "length", "length", "chunked", "short", "long", "none"),
      delta: fc.integer({ min: 1, max: 8 }),
      cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }),
    }),
    open: openWoodyServer,
  }),
];
