/**
 * Collects the start-line spans and header fields of one message while
 * llhttp delivers them in pieces (a span crossing chunks arrives in several
 * callbacks), into one reused byte buffer capped at `maxHeaderBytes`. At the
 * end of the header section `fill()` builds strings only for what we keep:
 * the eight headers of TransactionRecord (first occurrence; names compared
 * case-insensitively as bytes) and a bounded list of all headers.
 */
import type { HttpMessage } from './http-message.js';

/** Most [name, value] pairs kept in `HttpMessage.headers`. */
export const HEADER_LIST_CAP = 128;

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const KEPT = [
  ['host', enc('host')],
  ['contentType', enc('content-type')],
  ['contentEncoding', enc('content-encoding')],
  ['contentLength', enc('content-length')],
  ['transferEncoding', enc('transfer-encoding')],
  ['userAgent', enc('user-agent')],
  ['upgrade', enc('upgrade')],
  ['connection', enc('connection')],
] as const;
const TE = 4;
/** `HttpMessage.contentLengthValue` for a decimal Content-Length too large to be real (> 15 digits). */
export const CONTENT_LENGTH_OVERFLOW = -2;
const CL = 3;

export class HeaderCollector {
  readonly #cap: number;
  readonly #keepList: boolean;
  #buf: Buffer = Buffer.allocUnsafe(1024);
  #len = 0;
  /** Flat [nameStart, nameEnd, valueStart, valueEnd] per field. */
  readonly #fields: number[] = [];
  #inValue = false;
  #urlStart = -1;
  #urlEnd = -1;
  #reasonStart = -1;
  #reasonEnd = -1;
  /** Bytes offered beyond the cap were dropped. */
  truncated = false;

  /** @param keepList build `HttpMessage.headers` (false: only the kept headers get strings). */
  constructor(maxHeaderBytes: number, keepList = true) {
    this.#cap = maxHeaderBytes;
    this.#keepList = keepList;
  }

  /** Start a new message. */
  clear(): void {
    this.#len = 0;
    this.#fields.length = 0;
    this.#inValue = false;
    this.#urlStart = this.#urlEnd = this.#reasonStart = this.#reasonEnd = -1;
    this.truncated = false;
  }

  get urlSeen(): boolean {
    return this.#urlStart >= 0;
  }

  url(b: Uint8Array, off: number, len: number): boolean {
    if (this.#urlStart < 0) this.#urlStart = this.#len;
    const hit = this.#append(b, off, len);
    this.#urlEnd = this.#len;
    return hit;
  }

  reason(b: Uint8Array, off: number, len: number): boolean {
    if (this.#reasonStart < 0) this.#reasonStart = this.#len;
    const hit = this.#append(b, off, len);
    this.#reasonEnd = this.#len;
    return hit;
  }

  field(b: Uint8Array, off: number, len: number): boolean {
    const f = this.#fields;
    if (f.length === 0 || this.#inValue) {
      if (this.truncated) return false;
      f.push(this.#len, this.#len, this.#len, this.#len);
      this.#inValue = false;
    }
    const hit = this.#append(b, off, len);
    f[f.length - 3] = this.#len;
    f[f.length - 2] = f[f.length - 1] = this.#len;
    return hit;
  }

  value(b: Uint8Array, off: number, len: number): boolean {
    const f = this.#fields;
    if (f.length === 0) return false;
    this.#inValue = true;
    const hit = this.#append(b, off, len);
    f[f.length - 1] = this.#len;
    return hit;
  }

  /** Set the message's uri / reason / kept headers / header list from the collected bytes. */
  fill(msg: HttpMessage): void {
    const b = this.#buf;
    if (this.#urlStart >= 0) msg.uri = b.toString('latin1', this.#urlStart, this.#urlEnd);
    if (this.#reasonStart >= 0) msg.reason = b.toString('latin1', this.#reasonStart, this.#reasonEnd);
    const f = this.#fields;
    for (let k = 0; k < f.length; k += 4) {
      const ns = f[k]!;
      const ne = f[k + 1]!;
      let vs = f[k + 2]!;
      let ve = f[k + 3]!;
      while (ve > vs && (b[ve - 1] === 0x20 || b[ve - 1] === 0x09)) ve--;
      while (vs < ve && (b[vs] === 0x20 || b[vs] === 0x09)) vs++;
      let value: string | null = null;
      for (let n = 0; n < KEPT.length; n++) {
        const [key, name] = KEPT[n]!;
        if (!sameName(b, ns, ne, name)) continue;
        value = b.toString('latin1', vs, ve);
        if (msg[key] === null) msg[key] = value;
        if (n === TE) msg.chunked = value.split(',').pop()!.trim().toLowerCase() === 'chunked';
        if (n === CL && msg.contentLengthValue === -1) msg.contentLengthValue = contentLengthOf(value);
        break;
      }
      if (this.#keepList && msg.headers.length < HEADER_LIST_CAP) {
        msg.headers.push([b.toString('latin1', ns, ne), value ?? b.toString('latin1', vs, ve)]);
      }
    }
  }

  /** Returns true when this call first hit the cap. */
  #append(b: Uint8Array, off: number, len: number): boolean {
    if (this.truncated) return false;
    let take = len;
    if (this.#len + take > this.#cap) take = this.#cap - this.#len;
    if (this.#len + take > this.#buf.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.#cap, Math.max(this.#len + take, 2 * this.#buf.length)));
      this.#buf.copy(grown, 0, 0, this.#len);
      this.#buf = grown;
    }
    if (take <= 64) {
      // short spans (most names and values): a byte loop, no subarray view per callback
      const dst = this.#buf;
      for (let i = 0, j = this.#len; i < take; i++, j++) dst[j] = b[off + i]!;
    } else {
      this.#buf.set(b.subarray(off, off + take), this.#len);
    }
    this.#len += take;
    if (take < len) {
      this.truncated = true;
      return true;
    }
    return false;
  }
}

/**
 * Content-Length value (RFC 9110 §8.6): the number, -1 when not a plain
 * decimal, CONTENT_LENGTH_OVERFLOW when a decimal above 2^53 (leading zeros ignored).
 */
function contentLengthOf(value: string): number {
  if (!/^[0-9]+$/.test(value)) return -1;
  const digits = value.replace(/^0+(?=.)/, '');
  return digits.length > 15 ? CONTENT_LENGTH_OVERFLOW : Number(digits);
}

/** ASCII case-insensitive compare of `b[s..e)` with lower-case `name`. */
function sameName(b: Uint8Array, s: number, e: number, name: Uint8Array): boolean {
  if (e - s !== name.length) return false;
  for (let k = 0; k < name.length; k++) {
    const c = b[s + k]!;
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== name[k]) return false;
  }
  return true;
}
