/**
 * Skips a value that the schema does not know (an unknown field id, or a known id with another wire type),
 * as Erlang readers do. Bounded like everything else: lengths and counts are checked against the remaining
 * bytes, and every struct or container level counts towards the nesting limit.
 */
import type { BinaryReader } from "./binary-reader.js";
import { minimumBytesOf } from "./binary-reader.js";
import { ThriftDecodeError } from "./errors.js";
import { TYPE_CODE } from "./schema.js";

export function skipValue(reader: BinaryReader, typeCode: number, depth: number, depthMax: number): void {
  switch (typeCode) {
    case TYPE_CODE.BOOL:
    case TYPE_CODE.BYTE:
      reader.skipBytes(1);
      return;
    case TYPE_CODE.I16:
      reader.skipBytes(2);
      return;
    case TYPE_CODE.I32:
      reader.skipBytes(4);
      return;
    case TYPE_CODE.I64:
    case TYPE_CODE.DOUBLE:
      reader.skipBytes(8);
      return;
    case TYPE_CODE.STRING:
      reader.readBinaryView();
      return;
    default:
      skipNested(reader, typeCode, depth, depthMax);
  }
}

function skipNested(reader: BinaryReader, typeCode: number, depth: number, depthMax: number): void {
  if (depth > depthMax) throw new ThriftDecodeError(`nesting deeper than ${depthMax} levels`);
  switch (typeCode) {
    case TYPE_CODE.STRUCT:
      for (;;) {
        const fieldType = reader.readUnsignedByte();
        if (fieldType === TYPE_CODE.STOP) return;
        reader.readI16();
        skipValue(reader, fieldType, depth + 1, depthMax);
      }
    case TYPE_CODE.MAP: {
      const keyType = reader.readUnsignedByte();
      const valueType = reader.readUnsignedByte();
      const count = reader.readCount(minimumBytesOf(keyType) + minimumBytesOf(valueType), "map");
      for (let index = 0; index < count; index += 1) {
        skipValue(reader, keyType, depth + 1, depthMax);
        skipValue(reader, valueType, depth + 1, depthMax);
      }
      return;
    }
    case TYPE_CODE.SET:
    case TYPE_CODE.LIST: {
      const elementType = reader.readUnsignedByte();
      const count = reader.readCount(minimumBytesOf(elementType), "list");
      for (let index = 0; index < count; index += 1) skipValue(reader, elementType, depth + 1, depthMax);
      return;
    }
    default:
      throw new ThriftDecodeError(`unknown wire type 0x${typeCode.toString(16).padStart(2, "0")}`);
  }
}
