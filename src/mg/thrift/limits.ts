/** Bounds of the Thrift codec, in one place (STYLE rule 16). */

/**
 * Struct levels one value may nest. msgpack.Value takes one level per nesting of its data, and a Machine's
 * history adds about five, so 64 leaves some 58 levels of payload: far beyond real processor data, and a
 * hostile body cannot drive recursion deeper. Encode uses the same bound, so Ratchet never writes what it
 * could not read back. Skipped unknown values count containers too, as they have no schema to bound them.
 */
export const NESTING_DEPTH_MAX = 64;

export interface CodecOptions {
  /** Struct levels a value may nest; NESTING_DEPTH_MAX when absent. */
  readonly nestingDepthMax?: number;
}
