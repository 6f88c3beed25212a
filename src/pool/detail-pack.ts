/**
 * Detail transport for worker results: the header lists and body samples of
 * a batch's transactions packed into ONE ArrayBuffer, transferred (not
 * cloned) to the main thread, where the samples become views on it.
 *
 *   worker: records (+ non-enumerable extras) ──packDetails──► ArrayBuffer ──transfer──► main: unpackDetails ──► records (+ extras)
 *
 * Structured clone of per-transaction detail objects walked every header
 * pair and copied each sample twice (serialize, deserialize); packing copies
 * each sample once, into the buffer, and allocates nothing per header on the
 * worker side.
 *
 * Layout (little-endian), per transaction in list order, no header:
 *   request headers, response headers: u32 pair count (ABSENT = none), then
 *     per pair: u32 name length, name bytes, u32 value length, value bytes
 *   request sample, response sample: u32 length (ABSENT = none), then the bytes
 * Header strings are latin1 by construction (http/header-collector.ts builds
 * them with `toString('latin1')`), so they are written one byte per UTF-16
 * unit and read back identical.
 *
 * Lifetime: unpacked samples are views on the packed buffer; the buffer lives
 * as long as any of them is referenced.
 */
import type { TransactionRecord } from '../http/transaction-record.js';
import type { KeyedTransaction } from './messages.js';

/** Count / length value for an absent list or sample. */
const ABSENT = 0xffffffff;

type Headers = [string, string][] | undefined;

function headerBytes(list: Headers): number {
  if (list === undefined) return 4;
  let n = 4;
  for (const [name, value] of list) n += 8 + name.length + value.length;
  return n;
}

/**
 * Packs the detail of `list` (read from each record's non-enumerable
 * `requestHeaders`, `responseHeaders`, `requestBodySample`,
 * `responseBodySample`) into a new ArrayBuffer. The records are not changed.
 */
export function packDetails(list: readonly KeyedTransaction[]): ArrayBuffer {
  let size = 0;
  for (const { record: r } of list) {
    size += headerBytes(r.requestHeaders) + headerBytes(r.responseHeaders) + 8;
    size += (r.requestBodySample?.length ?? 0) + (r.responseBodySample?.length ?? 0);
  }
  const buf = Buffer.allocUnsafeSlow(size);
  let o = 0;
  const putHeaders = (h: Headers): void => {
    if (h === undefined) {
      o = buf.writeUInt32LE(ABSENT, o);
      return;
    }
    o = buf.writeUInt32LE(h.length, o);
    for (const [name, value] of h) {
      o = buf.writeUInt32LE(name.length, o);
      o += buf.write(name, o, 'latin1');
      o = buf.writeUInt32LE(value.length, o);
      o += buf.write(value, o, 'latin1');
    }
  };
  const putSample = (s: Uint8Array | undefined): void => {
    if (s === undefined) {
      o = buf.writeUInt32LE(ABSENT, o);
      return;
    }
    o = buf.writeUInt32LE(s.length, o);
    buf.set(s, o);
    o += s.length;
  };
  for (const { record: r } of list) {
    putHeaders(r.requestHeaders);
    putHeaders(r.responseHeaders);
    putSample(r.requestBodySample);
    putSample(r.responseBodySample);
  }
  return buf.buffer as ArrayBuffer;
}

function hidden(record: TransactionRecord, key: string, value: unknown): void {
  Object.defineProperty(record, key, { value, enumerable: false, writable: true, configurable: true });
}

/**
 * Attaches the detail packed by packDetails (same list, same order) to the
 * records as non-enumerable properties. Samples are views on `packed`.
 * Throws RangeError when `packed` is shorter than the list needs (a bug).
 */
export function unpackDetails(list: readonly KeyedTransaction[], packed: ArrayBuffer): void {
  const buf = Buffer.from(packed);
  let o = 0;
  const getHeaders = (): Headers => {
    const n = buf.readUInt32LE(o);
    o += 4;
    if (n === ABSENT) return undefined;
    const out: [string, string][] = new Array(n);
    for (let i = 0; i < n; i++) {
      const nl = buf.readUInt32LE(o);
      const name = buf.toString('latin1', o + 4, o + 4 + nl);
      o += 4 + nl;
      const vl = buf.readUInt32LE(o);
      const value = buf.toString('latin1', o + 4, o + 4 + vl);
      o += 4 + vl;
      out[i] = [name, value];
    }
    return out;
  };
  const getSample = (): Uint8Array | undefined => {
    const n = buf.readUInt32LE(o);
    o += 4;
    if (n === ABSENT) return undefined;
    const s = new Uint8Array(packed, o, n);
    o += n;
    return s;
  };
  for (const { record } of list) {
    const requestHeaders = getHeaders();
    const responseHeaders = getHeaders();
    const requestBodySample = getSample();
    const responseBodySample = getSample();
    if (requestBodySample !== undefined) hidden(record, 'requestBodySample', requestBodySample);
    if (responseBodySample !== undefined) hidden(record, 'responseBodySample', responseBodySample);
    if (requestHeaders !== undefined) hidden(record, 'requestHeaders', requestHeaders);
    if (responseHeaders !== undefined) hidden(record, 'responseHeaders', responseHeaders);
  }
}
