/**
 * The Thrift binary decoder over every MG message type: each service method's call and reply (success and each
 * declared exception), and every struct on its own (Kafka and lifecycle messages, msgpack.Value). Inputs are
 * valid encodings, the same mutated, and random bytes. Property: a ThriftDecodeError, or a value that is exactly
 * the one encoded (when intact), re-encodes and decodes to itself, and is no bigger than its bytes allow.
 * Processor and Modernizer replies also go on through the conversions a woody processor applies to them.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ProcessorResultInvalidError, RatchetError } from "../../src/core/errors.js";
import { processorErrorOf } from "../../src/mg/processor/woody-processor.js";
import { contentFromThrift, stepResultFromThrift } from "../../src/mg/step-result-from-thrift.js";
import { BinaryReader } from "../../src/mg/thrift/binary-reader.js";
import { ThriftDecodeError } from "../../src/mg/thrift/errors.js";
import { MG_SCHEMA } from "../../src/mg/thrift/generated/index.js";
import type { ReplyOutcome } from "../../src/mg/thrift/message.js";
import {
  decodeReply,
  encodeCall,
  encodeReply,
  readCallArgs,
  readMessageHeader,
  shortName,
} from "../../src/mg/thrift/message.js";
import type { FunctionSchema } from "../../src/mg/thrift/schema.js";
import { decodeStruct } from "../../src/mg/thrift/struct-decoder.js";
import { encodeStruct } from "../../src/mg/thrift/struct-encoder.js";
import { WoodyBusinessError } from "../../src/mg/woody/errors.js";
import { hostile } from "./byte-mutations.js";
import type { FuzzTarget } from "./fuzz-target.js";
import { defineTarget, outcomeOf, requireTyped, violation } from "./fuzz-target.js";
import { structArbitrary, structArbitraryOf, typeArbitrary, weightOf } from "./thrift-values.js";

const SCHEMA = MG_SCHEMA;

/** A decoded value may weigh this much per input byte, plus a constant for defaults the decoder fills in. */
function checkWeight(value: unknown, bytes: Uint8Array): void {
  const weight = weightOf(value);
  if (weight > 2 * bytes.byteLength + 16)
    violation(`${bytes.byteLength} bytes decoded to a value of weight ${weight}`);
}

interface MethodRef {
  readonly service: string;
  readonly method: string;
}

const METHODS: readonly MethodRef[] = Object.values(SCHEMA.services).flatMap((service) =>
  Object.keys(service.functions).map((method) => ({ service: service.name, method })),
);

function functionOf(ref: MethodRef): FunctionSchema {
  return SCHEMA.services[ref.service]!.functions[ref.method]!;
}

export interface CallInput extends MethodRef {
  readonly seqid: number;
  readonly args: Record<string, unknown>;
  readonly bytes: Uint8Array;
}

/** Valid CALL messages of every method, or of one service's methods. */
export function validCallsOf(service?: string): fc.Arbitrary<CallInput> {
  const methods = METHODS.filter((ref) => service === undefined || ref.service === service);
  return fc.oneof(
    ...methods.map((ref) =>
      fc
        .tuple(
          structArbitraryOf(SCHEMA, functionOf(ref).args),
          fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        )
        .map(
          ([args, seqid]): CallInput => ({
            ...ref,
            seqid,
            args,
            bytes: encodeCall(SCHEMA, functionOf(ref), args, { seqid }),
          }),
        ),
    ),
  );
}

/** The server's reading of a call: header, then the arguments of the method it names in that service. */
function checkCall(input: CallInput & { readonly intact: boolean }): void {
  const functions = SCHEMA.services[input.service]!.functions;
  const decoded = outcomeOf(() => {
    const reader = new BinaryReader(input.bytes);
    const header = readMessageHeader(reader);
    const method = Object.hasOwn(functions, header.name) ? functions[header.name] : undefined;
    return { header, method, args: method === undefined ? undefined : readCallArgs(reader, SCHEMA, method) };
  });
  if (!decoded.ok) {
    if (input.intact) violation(`an intact call was refused: ${String(decoded.error)}`);
    requireTyped(decoded.error, [ThriftDecodeError], "decoding a call");
    return;
  }
  const { header, method, args } = decoded.value;
  if (input.intact) {
    assert.deepStrictEqual(
      { name: header.name, seqid: header.seqid, args },
      { name: input.method, seqid: input.seqid, args: input.args },
    );
  }
  if (method === undefined || args === undefined) return;
  checkWeight(args, input.bytes);
  const again = encodeCall(SCHEMA, method, args, { seqid: header.seqid });
  const reader = new BinaryReader(again);
  readMessageHeader(reader);
  assert.deepStrictEqual(
    readCallArgs(reader, SCHEMA, method),
    args,
    "decoded arguments re-encode to themselves",
  );
}

interface ReplyInput extends MethodRef {
  readonly outcome: ReplyOutcome;
  readonly bytes: Uint8Array;
}

function outcomesOf(ref: MethodRef): fc.Arbitrary<ReplyOutcome> {
  const method = functionOf(ref);
  const outcomes: fc.Arbitrary<ReplyOutcome>[] = method.result.fields.map((field) => {
    const value = typeArbitrary(SCHEMA, field.type, 8);
    if (field.id === 0) return value.map((success): ReplyOutcome => ({ kind: "success", value: success }));
    const typeName = field.type.kind === "struct" ? shortName(field.type.name) : field.name;
    return value.map(
      (exception): ReplyOutcome => ({ kind: "exception", field: field.name, typeName, value: exception }),
    );
  });
  if (method.returnsVoid) outcomes.push(fc.constant({ kind: "success", value: undefined }));
  return fc.oneof(...outcomes);
}

const validReplies: fc.Arbitrary<ReplyInput> = fc.oneof(
  ...METHODS.map((ref) =>
    outcomesOf(ref).map(
      (outcome): ReplyInput => ({
        ...ref,
        outcome,
        bytes: encodeReply(SCHEMA, functionOf(ref), outcome, { seqid: 0 }),
      }),
    ),
  ),
);

/** The client's reading of a reply (seqid 0, as woody sends), then a woody processor's conversions of it. */
function checkReply(input: ReplyInput & { readonly intact: boolean }): void {
  const method = functionOf(input);
  const decoded = outcomeOf(() => decodeReply(SCHEMA, method, input.bytes, { seqid: 0 }));
  if (!decoded.ok) {
    if (input.intact) violation(`an intact reply was refused: ${String(decoded.error)}`);
    requireTyped(decoded.error, [ThriftDecodeError], "decoding a reply");
    return;
  }
  const outcome = decoded.value;
  if (input.intact) assert.deepStrictEqual(outcome, input.outcome);
  checkWeight(outcome.value, input.bytes);
  const again = decodeReply(SCHEMA, method, encodeReply(SCHEMA, method, outcome, { seqid: 0 }), { seqid: 0 });
  assert.deepStrictEqual(again, outcome, "a decoded reply re-encodes to itself");
  checkConversion(input, outcome);
}

function checkConversion(ref: MethodRef, outcome: ReplyOutcome): void {
  if (outcome.kind === "exception") {
    const error = processorErrorOf(new WoodyBusinessError(outcome.typeName, outcome.value as object), "fuzz");
    if (!(error instanceof RatchetError))
      violation(`exception ${outcome.typeName} became ${error.constructor.name}`);
    return;
  }
  const converted = outcomeOf(() => {
    if (ref.service === "state_processing.Processor") return stepResultFromThrift(outcome.value as never);
    if (ref.service === "state_processing.Modernizer") {
      return contentFromThrift((outcome.value as { event_payload: never }).event_payload);
    }
    return undefined;
  });
  if (!converted.ok)
    requireTyped(converted.error, [ProcessorResultInvalidError], `converting ${ref.method}'s result`);
}

interface StructInput {
  readonly name: string;
  readonly value: Record<string, unknown>;
  readonly bytes: Uint8Array;
}

const validStructs: fc.Arbitrary<StructInput> = fc.oneof(
  ...Object.keys(SCHEMA.structs).map((name) =>
    structArbitrary(SCHEMA, name).map(
      (value): StructInput => ({ name, value, bytes: encodeStruct(SCHEMA, name, value) }),
    ),
  ),
);

function checkStruct(input: StructInput & { readonly intact: boolean }): void {
  const decoded = outcomeOf(() => decodeStruct<Record<string, unknown>>(SCHEMA, input.name, input.bytes));
  if (!decoded.ok) {
    if (input.intact) violation(`an intact ${input.name} was refused: ${String(decoded.error)}`);
    requireTyped(decoded.error, [ThriftDecodeError], `decoding ${input.name}`);
    return;
  }
  if (input.intact) assert.deepStrictEqual(decoded.value, input.value);
  checkWeight(decoded.value, input.bytes);
  const again = decodeStruct(SCHEMA, input.name, encodeStruct(SCHEMA, input.name, decoded.value));
  assert.deepStrictEqual(again, decoded.value, `a decoded ${input.name} re-encodes to itself`);
}

export const THRIFT_TARGETS: readonly FuzzTarget[] = [
  defineTarget({
    name: "thrift-calls",
    description:
      "CALL messages of every method of Automaton, Processor and Modernizer, read as a server reads them",
    testCases: 3000,
    arbitrary: hostile(validCallsOf()),
    open: async () => ({ kind: "sync", check: checkCall }),
  }),
  defineTarget({
    name: "thrift-replies",
    description:
      "REPLY messages (result or declared exception) of every method, read as a woody client reads them",
    testCases: 3000,
    arbitrary: hostile(validReplies),
    open: async () => ({ kind: "sync", check: checkReply }),
  }),
  defineTarget({
    name: "thrift-structs",
    description: "every struct of MG's IDL on its own (Kafka event and lifecycle messages, msgpack.Value)",
    testCases: 3000,
    arbitrary: hostile(validStructs),
    open: async () => ({ kind: "sync", check: checkStruct }),
  }),
];
