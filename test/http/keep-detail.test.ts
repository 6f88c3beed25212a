/**
 * `keepDetail: false` (HttpOptions; the shard engines set it when nobody
 * reads detail): no header lists, no sample copies of bodies that are not
 * content-decoded — and records, flags and events exactly as with detail.
 * Body lengths below are the hand-counted sizes of the messages written here.
 */
import { describe, it, expect } from 'vitest';
import * as zlib from 'node:zlib';
import { run, rec, type Step } from './harness.js';

const text = 'x'.repeat(40);
const gz = zlib.gzipSync(text);
const head = (cl: number, extra = ''): string =>
  `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n${extra}Content-Length: ${cl}\r\n\r\n`;
const steps: Step[] = [
  { d: 0, data: 'POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 30\r\n\r\n' + 'b'.repeat(30) },
  { d: 1, data: head(40) + text },
  { d: 0, data: 'GET /b HTTP/1.1\r\nHost: h\r\n\r\n' },
  { d: 1, data: Buffer.concat([Buffer.from(head(gz.length, 'Content-Encoding: gzip\r\n'), 'latin1'), gz]) },
];

describe('keepDetail: false', () => {
  it('gives the same records, flags and events, without header lists or samples', () => {
    const opts = { maxBodySampleBytes: 16 };
    const kept = run(steps, opts);
    const lean = run(steps, { ...opts, keepDetail: false });
    expect(lean.records.map((r) => JSON.stringify(r))).toEqual(kept.records.map((r) => JSON.stringify(r)));
    expect(lean.events).toEqual(kept.events);
    expect(lean.completions).toEqual(kept.completions);
    // 30-byte request body, 40-byte response body and the gzip body (> 16 bytes) pass the 16-byte cap
    expect(lean.records[0]).toEqual(rec({
      ...lean.records[0],
      requestBodyLength: 30,
      responseBodyLength: 40,
      flags: ['request_body_truncated', 'response_body_truncated'],
    }));
    expect(lean.records[1]!.responseBodyLength).toBe(gz.length);
    expect(lean.records[1]!.flags).toEqual(['response_body_truncated']);
    expect(lean.events['http.body_sample_truncated']).toBe(3);
    for (const r of lean.records) {
      expect(r.requestHeaders).toBeUndefined();
      expect(r.responseHeaders).toBeUndefined();
      expect(r.requestBodySample).toBeUndefined();
      expect(r.responseBodySample).toBeUndefined();
    }
    expect(kept.records[0]!.requestHeaders).toEqual([['Host', 'h'], ['Content-Length', '30']]);
    expect(Buffer.from(kept.records[0]!.requestBodySample!).toString('latin1')).toBe('b'.repeat(16));
  });
});
