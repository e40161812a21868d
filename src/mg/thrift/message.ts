/**
 * RPC messages: the strict binary header (i32 `0x80010000 | type`, method name, seqid) followed by one struct,
 * and the call/reply bodies of a service method (`M_args`, `M_result`) built from its FunctionSchema.
 */
import { BinaryReader } from "./binary-reader.js";
import { BinaryWriter } from "./binary-writer.js";
import { ThriftDecodeError, ThriftEncodeError } from "./errors.js";
import type { CodecOptions } from "./limits.js";
import type { FunctionSchema, ThriftSchema } from "./schema.js";
import { decodeContextOf, readStruct } from "./struct-decoder.js";
import { encodeContextOf, writeStruct } from "./struct-encoder.js";

/** A message's first buffer: most calls and replies fit, so few grow it (each growth copies what was written). */
const MESSAGE_CAPACITY_BYTES = 4096;

export const MESSAGE_TYPE = Object.freeze({ CALL: 1, REPLY: 2, EXCEPTION: 3, ONEWAY: 4 });

/** The first i32 of a strict header is `STRICT_VERSION | type`; `| 0` keeps these as signed i32 values. */
export const STRICT_VERSION = 0x80010000 | 0;
export const VERSION_MASK = 0xffff0000 | 0;

export interface MessageHeader {
  readonly name: string;
  readonly type: number;
  readonly seqid: number;
}

/** Outcome of a method as its result struct carries it. */
export type ReplyOutcome =
  | { readonly kind: "success"; readonly value: unknown }
  | {
      readonly kind: "exception";
      /** The throws entry's field name, e.g. `ex2`. */
      readonly field: string;
      /** The exception's short type name, e.g. `MachineNotFound` (woody.error-reason of a business error). */
      readonly typeName: string;
      readonly value: unknown;
    };

export function writeMessageHeader(writer: BinaryWriter, header: MessageHeader): void {
  writer.writeI32(STRICT_VERSION | header.type);
  writer.writeString(header.name);
  writer.writeI32(header.seqid);
}

/** Reads a strict header; a non-strict (old, unversioned) header is refused as woody refuses it. */
export function readMessageHeader(reader: BinaryReader): MessageHeader {
  const versionAndType = reader.readI32();
  if (versionAndType >= 0) throw new ThriftDecodeError("no binary protocol version");
  if ((versionAndType & VERSION_MASK) !== STRICT_VERSION) {
    throw new ThriftDecodeError(`bad binary protocol version: ${versionAndType}`);
  }
  const name = reader.readString();
  return { name, type: versionAndType & 0xff, seqid: reader.readI32() };
}

export function encodeCall(
  schema: ThriftSchema,
  method: FunctionSchema,
  args: object,
  options: { seqid: number } & CodecOptions,
): Uint8Array {
  const writer = new BinaryWriter(MESSAGE_CAPACITY_BYTES);
  const type = method.oneway ? MESSAGE_TYPE.ONEWAY : MESSAGE_TYPE.CALL;
  writeMessageHeader(writer, { name: method.name, type, seqid: options.seqid });
  writeStruct(writer, encodeContextOf(schema, options), method.args, args, 1);
  return writer.written();
}

/** Reads the `M_args` struct after the header; the whole rest of the body must be that struct. */
export function readCallArgs(
  reader: BinaryReader,
  schema: ThriftSchema,
  method: FunctionSchema,
  options: CodecOptions = {},
): Record<string, unknown> {
  const args = readStruct(reader, decodeContextOf(schema, options), method.args, 1);
  if (reader.remainingBytes !== 0) throw new ThriftDecodeError(`${reader.remainingBytes} trailing bytes`);
  return args;
}

export function encodeReply(
  schema: ThriftSchema,
  method: FunctionSchema,
  outcome: ReplyOutcome,
  options: { seqid: number } & CodecOptions,
): Uint8Array {
  let result: Record<string, unknown>;
  if (outcome.kind === "success") {
    result = method.returnsVoid ? {} : { success: outcome.value };
    if (!method.returnsVoid && outcome.value === undefined) {
      throw new ThriftEncodeError(`${method.name} must return a value`);
    }
  } else {
    result = { [outcome.field]: outcome.value };
  }
  const writer = new BinaryWriter(MESSAGE_CAPACITY_BYTES);
  writeMessageHeader(writer, { name: method.name, type: MESSAGE_TYPE.REPLY, seqid: options.seqid });
  writeStruct(writer, encodeContextOf(schema, options), method.result, result, 1);
  return writer.written();
}

/**
 * Decodes a REPLY to `method` sent with `seqid`. Anything else (an EXCEPTION message, another name or seqid,
 * trailing bytes, no field in a non-void result, two fields) is a ThriftDecodeError: woody's result unexpected.
 */
export function decodeReply(
  schema: ThriftSchema,
  method: FunctionSchema,
  bytes: Uint8Array,
  options: { seqid: number } & CodecOptions,
): ReplyOutcome {
  const reader = new BinaryReader(bytes);
  const header = readMessageHeader(reader);
  if (header.type !== MESSAGE_TYPE.REPLY)
    throw new ThriftDecodeError(`message type ${header.type} is not REPLY`);
  if (header.name !== method.name)
    throw new ThriftDecodeError(`reply is for ${header.name}, not ${method.name}`);
  if (header.seqid !== options.seqid) {
    throw new ThriftDecodeError(`reply seqid ${header.seqid} differs from the sent ${options.seqid}`);
  }
  const result = readStruct(reader, decodeContextOf(schema, options), method.result, 1);
  if (reader.remainingBytes !== 0) throw new ThriftDecodeError(`${reader.remainingBytes} trailing bytes`);
  const present = method.result.fields.filter((field) => result[field.name] !== undefined);
  if (present.length > 1) throw new ThriftDecodeError(`reply of ${method.name} has ${present.length} fields`);
  const field = present[0];
  if (field === undefined) {
    if (method.returnsVoid) return { kind: "success", value: undefined };
    throw new ThriftDecodeError(`reply of ${method.name} has neither a result nor an exception`);
  }
  if (field.id === 0) return { kind: "success", value: result[field.name] };
  const typeName = field.type.kind === "struct" ? shortName(field.type.name) : field.name;
  return { kind: "exception", field: field.name, typeName, value: result[field.name] };
}

/** `state_processing.MachineNotFound` → `MachineNotFound`. */
export function shortName(qualifiedName: string): string {
  return qualifiedName.slice(qualifiedName.lastIndexOf(".") + 1);
}
