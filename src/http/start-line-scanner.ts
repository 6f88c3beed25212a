/**
 * Finds the next plausible start line in a byte stream that arrives in
 * chunks (resync after a gap or parse error; midstream pickup). The stream is
 * cut into LF-terminated lines; in each line a start line may begin at the
 * line start, or mid-line where the previous message's body ended without a
 * newline: at any `HTTP/` (status line), or at a known method ending right
 * before `SP target SP HTTP/d.d` at the end of the line (request line).
 *
 * An incomplete line at the end of a chunk is copied into a carry buffer; when
 * a line outgrows `maxLineBytes` only its last `maxLineBytes / 2` bytes are
 * kept (a start line may begin there).
 *
 * `scan()` returns the offset in the chunk where parsing should continue, or
 * -1 when the whole chunk was consumed (skipped or carried). When the found line
 * began in an earlier chunk, `takeCarry()` returns a copy of its carried part
 * (to be parsed first, with `carryTsSec/carryTsNsec`).
 */
import { classifyStartLine, HTTP_SLASH, MessageKind } from './start-line.js';

const LF = 0x0a;
const SP = 0x20;
const SP_HTTP_SLASH = Uint8Array.of(SP, ...HTTP_SLASH);

const isMethodChar = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || c === 0x2d || c === 0x5f;

/** Start of a start line of an accepted kind within `buf[s .. e)` (e = LF index), or -1. */
function findCandidate(buf: Uint8Array, s: number, e: number, accept: MessageKind): number {
  const ok = (k: MessageKind): boolean => k !== MessageKind.NONE && (accept === MessageKind.NONE || accept === k);
  if (ok(classifyStartLine(buf, s, e))) return s;
  if (e - s < 12) return -1;
  const line = Buffer.from(buf.buffer, buf.byteOffset + s, e - s);
  if (accept !== MessageKind.REQUEST) {
    for (let p = line.indexOf(HTTP_SLASH, 1); p >= 0; p = line.indexOf(HTTP_SLASH, p + 1)) {
      if (classifyStartLine(buf, s + p, e) === MessageKind.RESPONSE) return s + p;
    }
  }
  if (accept !== MessageKind.RESPONSE) {
    for (let p = line.indexOf(SP_HTTP_SLASH, 1); p >= 0; p = line.indexOf(SP_HTTP_SLASH, p + 1)) {
      let t = s + p - 1; // back over the target
      while (t >= s && buf[t]! > SP && buf[t] !== 0x7f) t--;
      if (t <= s || buf[t] !== SP) continue;
      let m = t - 1; // back over method characters: try the longest token first
      while (m >= s && isMethodChar(buf[m]!)) m--;
      for (let start = m + 1; start < t; start++) {
        if (classifyStartLine(buf, start, e) === MessageKind.REQUEST) return start;
      }
    }
  }
  return -1;
}

export class StartLineScanner {
  readonly #maxLineBytes: number;
  #carry: Uint8Array | null = null;
  #carryLen = 0;
  #carryFrom = 0;
  /** Packet time of the carried bytes: flat [offset, tsSec, tsNsec] per chunk appended, offsets ascending. */
  readonly #marks: number[] = [];
  /** Bytes consumed without finding a start line since the last `takeSkipped()`. */
  #skipped = 0;
  carryTsSec = 0;
  carryTsNsec = 0;
  /** Kind of the line found by the last successful `scan()`. */
  foundKind: MessageKind = MessageKind.NONE;

  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** Forget any carried bytes (counted as skipped). */
  reset(): void {
    this.#skipped += this.#carryLen;
    this.#carryLen = 0;
    this.#marks.length = 0;
  }

  /** Count `n` bytes the caller stepped over as skipped. */
  addSkipped(n: number): void {
    this.#skipped += n;
  }

  /** Return and zero the skipped-byte count. */
  takeSkipped(): number {
    const n = this.#skipped;
    this.#skipped = 0;
    return n;
  }

  /** Copy of the carried start of the found line (empty when the line began in the scanned chunk). */
  takeCarry(): Uint8Array {
    const out = this.#carry === null ? new Uint8Array(0) : this.#carry.slice(this.#carryFrom, this.#carryLen);
    this.#carryLen = 0;
    this.#carryFrom = 0;
    this.#marks.length = 0;
    return out;
  }

  /**
   * Scan `bytes` (a view valid during the call) for a start line of kind
   * `accept` (NONE = either). See the class comment for the return value.
   */
  scan(bytes: Uint8Array, tsSec: number, tsNsec: number, accept: MessageKind): number {
    const n = bytes.length;
    let i = 0;
    while (i < n) {
      const j = bytes.indexOf(LF, i);
      if (j < 0) {
        this.#append(bytes, i, n, tsSec, tsNsec);
        return -1;
      }
      if (this.#carryLen > 0) {
        this.#append(bytes, i, j + 1, tsSec, tsNsec);
        const s = findCandidate(this.#carry!, 0, this.#carryLen - 1, accept);
        if (s >= 0) {
          this.#found(s);
          this.#carryFrom = s;
          return j + 1;
        }
        this.#skipped += this.#carryLen;
        this.#carryLen = 0;
        this.#marks.length = 0;
      } else {
        const s = findCandidate(bytes, i, j, accept);
        if (s >= 0) {
          this.#skipped += s - i;
          this.foundKind = classifyStartLine(bytes, s, j);
          return s;
        }
        this.#skipped += j + 1 - i;
      }
      i = j + 1;
    }
    return -1;
  }

  #found(s: number): void {
    this.#skipped += s;
    this.foundKind = classifyStartLine(this.#carry!, s, this.#carryLen - 1);
    // time of the chunk holding the line's first byte (a body tail may precede it in the carry)
    const m = this.#marks;
    let k = 0;
    while (k + 3 < m.length && m[k + 3]! <= s) k += 3;
    this.carryTsSec = m[k + 1] ?? 0;
    this.carryTsNsec = m[k + 2] ?? 0;
  }

  /** Append `bytes[from..to)` (packet time tsSec.tsNsec) to the carry, keeping at most the last half of maxLineBytes when it overflows. */
  #append(bytes: Uint8Array, from: number, to: number, tsSec: number, tsNsec: number): void {
    const max = this.#maxLineBytes;
    const m = this.#marks;
    if (this.#carryLen + (to - from) > max) {
      const keep = max >> 1;
      const total = this.#carryLen + (to - from);
      const drop = total - keep;
      this.#skipped += drop;
      if (drop >= this.#carryLen) {
        from += drop - this.#carryLen;
        this.#carryLen = 0;
        m.length = 0;
      } else {
        this.#carry!.copyWithin(0, drop, this.#carryLen);
        this.#carryLen -= drop;
        // shift the marks; the last one at or before the new start moves to offset 0
        let k = 0;
        while (k + 3 < m.length && m[k + 3]! <= drop) k += 3;
        m.splice(0, k);
        for (let q = 0; q < m.length; q += 3) m[q] = Math.max(0, m[q]! - drop);
      }
    }
    if (m.length === 0 || m[m.length - 2] !== tsSec || m[m.length - 1] !== tsNsec) m.push(this.#carryLen, tsSec, tsNsec);
    const need = this.#carryLen + (to - from);
    if (this.#carry === null || this.#carry.length < need) {
      const grown = new Uint8Array(Math.min(max, Math.max(need, 2 * (this.#carry?.length ?? 128))));
      if (this.#carry !== null) grown.set(this.#carry.subarray(0, this.#carryLen));
      this.#carry = grown;
    }
    this.#carry.set(bytes.subarray(from, to), this.#carryLen);
    this.#carryLen = need;
  }
}
