/**
 * Walks valid Thrift bytes without a schema, as skip.ts would, noting where every wire type byte and every i32
 * length or count sits, so mutations can tamper with exactly those. A message (first byte 0x80) starts with its
 * header: version and type, the method name's length, the seqid.
 */
import { TYPE_CODE } from "../../src/mg/thrift/schema.js";

/** Where a valid message keeps its wire type bytes and its i32 lengths and counts. */
export interface Landmarks {
  readonly typeCodes: readonly number[];
  readonly lengths: readonly number[];
}

export function landmarksOf(bytes: Uint8Array): Landmarks {
  const walk = new LandmarkWalk(bytes);
  try {
    walk.message();
  } catch {
    // Only valid bytes are walked; a walk that runs off the end keeps the landmarks found so far.
  }
  return { typeCodes: walk.typeCodes, lengths: walk.lengths };
}

class LandmarkWalk {
  readonly typeCodes: number[] = [];
  readonly lengths: number[] = [];
  private at = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  message(): void {
    if (this.bytes[0] === 0x80) {
      this.lengths.push(0);
      this.at = 4;
      this.skip(this.length());
      this.lengths.push(this.at);
      this.skip(4);
    }
    this.struct();
  }

  private struct(): void {
    for (;;) {
      const code = this.typeCode();
      if (code === TYPE_CODE.STOP) return;
      this.skip(2);
      this.value(code);
    }
  }

  private value(code: number): void {
    switch (code) {
      case TYPE_CODE.BOOL:
      case TYPE_CODE.BYTE:
        this.skip(1);
        return;
      case TYPE_CODE.I16:
        this.skip(2);
        return;
      case TYPE_CODE.I32:
        this.skip(4);
        return;
      case TYPE_CODE.I64:
      case TYPE_CODE.DOUBLE:
        this.skip(8);
        return;
      case TYPE_CODE.STRING:
        this.skip(this.length());
        return;
      case TYPE_CODE.STRUCT:
        this.struct();
        return;
      case TYPE_CODE.MAP: {
        const key = this.typeCode();
        const item = this.typeCode();
        const count = this.length();
        for (let index = 0; index < count; index += 1) {
          this.value(key);
          this.value(item);
        }
        return;
      }
      default: {
        const element = this.typeCode();
        const count = this.length();
        for (let index = 0; index < count; index += 1) this.value(element);
      }
    }
  }

  private typeCode(): number {
    this.typeCodes.push(this.at);
    const code = this.bytes[this.at];
    this.skip(1);
    return code ?? TYPE_CODE.STOP;
  }

  /** An i32 length or count, noted as a landmark. */
  private length(): number {
    this.lengths.push(this.at);
    const length = this.view.getInt32(this.at);
    this.skip(4);
    return length;
  }

  /** Counts are believed, so a walk of bytes that are not valid after all still stops at their end. */
  private skip(bytes: number): void {
    this.at += bytes;
    if (this.at > this.bytes.byteLength) throw new RangeError("walked past the end");
  }
}
