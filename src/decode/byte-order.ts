/**
 * Unsigned integer reads from a byte view, network (big-endian) and
 * little-endian order. No bounds checks: callers check lengths first (a read
 * past the end yields `undefined` coerced to 0, never a throw).
 */

/** Big-endian unsigned 16-bit at `o`. */
export function u16be(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** Big-endian unsigned 32-bit at `o` (0..2^32-1). */
export function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Little-endian unsigned 16-bit at `o`. */
export function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

/** Little-endian unsigned 32-bit at `o` (0..2^32-1). */
export function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
