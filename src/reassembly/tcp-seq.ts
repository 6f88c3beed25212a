/**
 * TCP sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4, "serial number"
 * comparison as in RFC 1982). Inputs and outputs are unsigned 32-bit integers
 * held in JS numbers (0 .. 2^32-1). Comparisons are valid while the two
 * numbers are less than 2^31 apart, which TCP's window rules guarantee.
 */

/** `b - a` as a signed 32-bit distance: positive when `b` is after `a`. */
export function seqDiff(b: number, a: number): number {
  return (b - a) | 0;
}

/** `seq + n` wrapped to unsigned 32 bits (`n` may be negative). */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) >>> 0;
}

/** `a` is strictly before `b`. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** `a` is before or equal to `b`. */
export function seqLeq(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** `a` is strictly after `b`. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** `a` is after or equal to `b`. */
export function seqGeq(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}
