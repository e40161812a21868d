/**
 * A growable big-endian byte buffer with the primitive writes of the binary protocol. It doubles its capacity
 * when full, so writing n bytes costs O(n) amortised.
 */

const INITIAL_CAPACITY_BYTES = 256;
const utf8 = new TextEncoder();

export class BinaryWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(initialCapacityBytes = INITIAL_CAPACITY_BYTES) {
    this.buffer = new Uint8Array(initialCapacityBytes);
    this.view = new DataView(this.buffer.buffer);
  }

  /** The bytes written so far, as a copy sized exactly to them: for bytes that are kept (stored payloads). */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  /** The bytes written so far, without a copy: for a message sent and dropped, which need not be sized exactly. */
  written(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  writeByte(value: number): void {
    this.reserve(1);
    this.view.setInt8(this.length, value);
    this.length += 1;
  }

  writeUnsignedByte(value: number): void {
    this.reserve(1);
    this.buffer[this.length] = value;
    this.length += 1;
  }

  writeI16(value: number): void {
    this.reserve(2);
    this.view.setInt16(this.length, value);
    this.length += 2;
  }

  writeI32(value: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, value);
    this.length += 4;
  }

  writeI64(value: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.length, value);
    this.length += 8;
  }

  writeDouble(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value);
    this.length += 8;
  }

  writeBinary(bytes: Uint8Array): void {
    this.writeI32(bytes.byteLength);
    this.reserve(bytes.byteLength);
    this.buffer.set(bytes, this.length);
    this.length += bytes.byteLength;
  }

  /** Bytes already in the binary protocol's form (a pre-encoded struct), copied as they are. */
  writeRaw(bytes: Uint8Array): void {
    this.reserve(bytes.byteLength);
    this.buffer.set(bytes, this.length);
    this.length += bytes.byteLength;
  }

  /** UTF-8 with an i32 length prefix. A UTF-8 encoding takes at most 3 bytes per UTF-16 unit. */
  writeString(text: string): void {
    const lengthAt = this.length;
    this.writeI32(0);
    this.reserve(text.length * 3);
    const { written } = utf8.encodeInto(text, this.buffer.subarray(this.length));
    this.view.setInt32(lengthAt, written);
    this.length += written;
  }

  private reserve(bytes: number): void {
    const needed = this.length + bytes;
    if (needed <= this.buffer.byteLength) return;
    let capacity = this.buffer.byteLength * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }
}
