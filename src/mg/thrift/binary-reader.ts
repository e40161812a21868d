/**
 * A bounded big-endian reader over one received body. Every length and element count is checked against the
 * bytes actually remaining before anything is allocated, so a body claiming a 2 GiB string or a billion-element
 * list fails at once with ThriftDecodeError instead of reserving memory.
 */
import { ThriftDecodeError } from "./errors.js";
import { TYPE_CODE } from "./schema.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The fewest bytes one value of a wire type can take; used to bound element counts. */
export function minimumBytesOf(typeCode: number): number {
  switch (typeCode) {
    case TYPE_CODE.BOOL:
    case TYPE_CODE.BYTE:
    case TYPE_CODE.STRUCT:
      return 1;
    case TYPE_CODE.I16:
      return 2;
    case TYPE_CODE.I32:
    case TYPE_CODE.STRING:
      return 4;
    case TYPE_CODE.I64:
    case TYPE_CODE.DOUBLE:
      return 8;
    case TYPE_CODE.MAP:
      return 6;
    case TYPE_CODE.SET:
    case TYPE_CODE.LIST:
      return 5;
    default:
      throw new ThriftDecodeError(`unknown wire type 0x${typeCode.toString(16).padStart(2, "0")}`);
  }
}

export class BinaryReader {
  private readonly view: DataView;
  private position = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remainingBytes(): number {
    return this.bytes.byteLength - this.position;
  }

  get offset(): number {
    return this.position;
  }

  readByte(): number {
    this.need(1);
    const value = this.view.getInt8(this.position);
    this.position += 1;
    return value;
  }

  readUnsignedByte(): number {
    this.need(1);
    const value = this.view.getUint8(this.position);
    this.position += 1;
    return value;
  }

  readI16(): number {
    this.need(2);
    const value = this.view.getInt16(this.position);
    this.position += 2;
    return value;
  }

  readI32(): number {
    this.need(4);
    const value = this.view.getInt32(this.position);
    this.position += 4;
    return value;
  }

  readI64(): bigint {
    this.need(8);
    const value = this.view.getBigInt64(this.position);
    this.position += 8;
    return value;
  }

  readDouble(): number {
    this.need(8);
    const value = this.view.getFloat64(this.position);
    this.position += 8;
    return value;
  }

  /** A view into the body, not a copy: callers that keep it must copy (see readBinary). */
  readBinaryView(): Uint8Array {
    const length = this.readLength("binary");
    const view = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return view;
  }

  readBinary(): Uint8Array {
    return this.readBinaryView().slice();
  }

  readString(): string {
    const view = this.readBinaryView();
    try {
      return utf8.decode(view);
    } catch {
      throw new ThriftDecodeError("string is not valid UTF-8");
    }
  }

  /** An element count of `elementBytesMin`-byte elements, checked against what remains. */
  readCount(elementBytesMin: number, what: string): number {
    const count = this.readI32();
    if (count < 0) throw new ThriftDecodeError(`${what} has negative size ${count}`);
    if (count * elementBytesMin > this.remainingBytes) {
      throw new ThriftDecodeError(
        `${what} claims ${count} elements but only ${this.remainingBytes} bytes remain`,
      );
    }
    return count;
  }

  skipBytes(length: number): void {
    this.need(length);
    this.position += length;
  }

  private readLength(what: string): number {
    const length = this.readI32();
    if (length < 0) throw new ThriftDecodeError(`${what} has negative length ${length}`);
    if (length > this.remainingBytes) {
      throw new ThriftDecodeError(`${what} claims ${length} bytes but only ${this.remainingBytes} remain`);
    }
    return length;
  }

  private need(bytes: number): void {
    if (this.position + bytes > this.bytes.byteLength) {
      throw new ThriftDecodeError(`unexpected end of data at byte ${this.position}`);
    }
  }
}
