/**
 * What both woody targets check: the reader's outcome against the §3.5 model (woody-requests.ts), within a time
 * bound, plus the helpers they share to drive the reader.
 */
import assert from "node:assert/strict";
import { MG_SCHEMA } from "../../src/mg/thrift/generated/index.js";
import { serviceSchemaOf } from "../../src/mg/thrift/schema.js";
import type { RequestOutcome } from "../../src/mg/woody/request-reader.js";
import { PropertyViolation, violation } from "./fuzz-target.js";
import {
  type ArrivedBody,
  BODY_BYTES_MAX,
  expectedAnswer,
  type WoodyRequestInput,
} from "./woody-requests.js";

const SERVICE = serviceSchemaOf(MG_SCHEMA, "state_processing.Automaton");
/** A reader that has not resolved by then has hung: it answers in well under a millisecond here. */
export const ANSWER_MS_MAX = 5000;

export function readerOptions() {
  return {
    schema: MG_SCHEMA,
    service: SERVICE,
    bodyBytesMax: BODY_BYTES_MAX,
    nowUs: () => Date.now() * 1000,
  };
}

/** Compares an outcome with the model's answer; a decoded call must be exactly the one sent. */
export function checkOutcome(input: WoodyRequestInput, arrived: ArrivedBody, outcome: RequestOutcome): void {
  const expected = expectedAnswer(input, arrived, Date.now() * 1000);
  if (!outcome.ok) {
    const { rejection } = outcome;
    if (rejection.reason === "") violation(`status ${rejection.status} without a reason`);
    if (expected.kind === "call")
      violation(`an intact call was refused: ${rejection.status} ${rejection.reason}`);
    if (expected.kind === "call or 400") {
      if (rejection.status !== 400) violation(`a damaged body got ${rejection.status}: ${rejection.reason}`);
      return;
    }
    assert.deepStrictEqual(
      { status: rejection.status, close: rejection.closeConnection === true },
      { status: expected.status, close: expected.close },
      `rejection: ${rejection.reason}`,
    );
    return;
  }
  if (expected.kind === "status") violation(`expected ${expected.status}, the call was accepted`);
  const { call } = outcome;
  const { headers } = input;
  const context = {
    traceId: headers["woody.trace-id"],
    spanId: headers["woody.span-id"],
    parentId: headers["woody.parent-id"],
    meta: Object.fromEntries(Object.entries(input.metaHeaders).map(([name, text]) => [name.slice(11), text])),
    ...(expected.deadlineUs !== undefined && { deadlineUs: expected.deadlineUs }),
  };
  assert.deepStrictEqual(call.context, context, "the context is the headers'");
  if (input.call !== undefined && expected.kind === "call") {
    assert.deepStrictEqual(
      { method: call.method.name, seqid: call.seqid, args: call.args },
      { method: input.call.method, seqid: input.call.seqid, args: input.call.args },
    );
  }
}

export function chunksOf(body: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const offsets = [...new Set(cuts.map((cut) => Math.floor(cut * body.byteLength)))].sort((a, b) => a - b);
  const bounds = [0, ...offsets, body.byteLength];
  return bounds
    .slice(1)
    .map((end, index) => body.subarray(bounds[index], end))
    .filter((chunk) => chunk.byteLength > 0);
}

export async function withinAnswerTime<T>(pending: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new PropertyViolation(`no answer within ${ANSWER_MS_MAX} ms`)),
      ANSWER_MS_MAX,
    );
  });
  try {
    return await Promise.race([pending, late]);
  } finally {
    clearTimeout(timer);
  }
}
