import { describe, expect, it } from 'vitest';
import * as zlib from 'node:zlib';
import { run, rec } from './harness.js';

const GET = 'GET /a HTTP/1.1\r\nHost: h\r\n\r\n';
const cat = (...p: (string | Uint8Array)[]): Uint8Array => Buffer.concat(p.map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : x)));

describe('content decoding', () => {
  const text = JSON.stringify({ items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `item-${i}` })) });
  const cases: [string, Uint8Array][] = [
    ['gzip', zlib.gzipSync(text)],
    ['x-gzip', zlib.gzipSync(text)],
    ['deflate', zlib.deflateSync(text)],
    ['deflate', zlib.deflateRawSync(text)],
    ['br', zlib.brotliCompressSync(text)],
  ];
  for (const [coding, body] of cases) {
    it(`${coding} response (${body.length} bytes on the wire)`, () => {
      const r = run([
        { d: 0, data: GET },
        { d: 1, data: cat(`HTTP/1.1 200 OK\r\nContent-Encoding: ${coding}\r\nContent-Length: ${body.length}\r\n\r\n`, body) },
      ]);
      const x = r.records[0]!;
      expect([x.responseBodyLength, x.responseBodyDecodedLength, x.responseContentEncoding, x.flags]).toEqual([
        body.length,
        Buffer.byteLength(text),
        coding,
        [],
      ]);
      expect(Buffer.from(x.responseBodySample!).toString()).toBe(text);
    });
  }

  it('decoded output past the cap: truncated flag, decoded sample is a prefix of the plaintext', () => {
    const plain = 'abcdefghij'.repeat(1000); // 10000 bytes
    const gz = zlib.gzipSync(plain);
    const r = run(
      [{ d: 0, data: GET }, { d: 1, data: cat(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`, gz) }],
      { maxBodySampleBytes: 1000 },
    );
    const x = r.records[0]!;
    expect(x.flags).toEqual(['response_body_truncated']);
    expect(x.responseBodyLength).toBe(gz.length);
    const n = x.responseBodyDecodedLength!;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(1000);
    expect(Buffer.from(x.responseBodySample!).toString()).toBe(plain.slice(0, n));
  });

  it('corrupt gzip: decode error event, decoded length null', () => {
    const r = run([{ d: 0, data: GET }, { d: 1, data: 'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nnope' }]);
    expect(r.records[0]!.responseBodyDecodedLength).toBeNull();
    expect(r.events).toEqual({ 'http.decompress_error': 1 });
  });

  it('raw body sample cap', () => {
    const r = run([{ d: 0, data: `POST /p HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789` }], { maxBodySampleBytes: 4 });
    const x = r.records[0]!;
    expect([x.requestBodyLength, x.flags]).toEqual([10, ['request_body_truncated', 'unanswered']]);
    expect(Buffer.from(x.requestBodySample!).toString()).toBe('0123');
    expect(r.events).toEqual({ 'http.body_sample_truncated': 1, 'http.unanswered_request': 1 });
  });
});

describe('gaps, resync, errors', () => {
  it('gap inside a Content-Length body: skipped, message complete, next transaction fine', () => {
    const r = run([
      { d: 0, data: GET + 'GET /b HTTP/1.1\r\nHost: h\r\n\r\n' },
      { d: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01' },
      { d: 1, gap: 5 },
      { d: 1, data: '789HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nZ' },
    ]);
    expect(r.records.map((x) => [x.uri, x.status, x.responseBodyLength, x.flags])).toEqual([
      ['/a', 200, 10, ['gap']],
      ['/b', 200, 1, []],
    ]);
    expect(Buffer.from(r.records[0]!.responseBodySample!).toString()).toBe('01');
    expect(r.events).toEqual({ 'http.gap_in_body': 1 });
  });

  it('gap covering the end of a body and the next message start: resync on the next status line', () => {
    const r = run([
      { d: 0, data: GET + GET + GET },
      { d: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab' },
      { d: 1, gap: 30 },
      { d: 1, data: 'th: 1\r\n\r\nX' + 'HTTP/1.1 203 Third\r\nContent-Length: 0\r\n\r\n' },
    ]);
    expect(r.records.map((x) => [x.transDepth, x.status, x.responseBodyLength, x.flags])).toEqual([
      [0, 200, 4, ['gap']],
      [1, 203, 0, []],
      [2, null, 0, ['unanswered']],
    ]);
    expect(r.events).toEqual({
      'http.gap_in_body': 1,
      'http.gap_between_messages': 1,
      'http.resync': 1,
      'http.resync_skipped_bytes': 10,
      'http.unanswered_request': 1,
    });
  });

  it('gap in headers: message abandoned, resync at the next request line', () => {
    const r = run([
      { d: 0, data: 'GET /lost HTTP/1.1\r\nHost: h\r\nX-Long: aaaa' },
      { d: 0, gap: 100 },
      { d: 0, data: 'aaa\r\nX-More: 1\r\n\r\nGET /found HTTP/1.1\r\nHost: h2\r\n\r\n' },
      { d: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
    ]);
    expect(r.records.map((x) => [x.transDepth, x.uri, x.host, x.status, x.flags])).toEqual([
      [0, '/lost', 'h', 200, ['gap', 'request_incomplete']],
      [1, '/found', 'h2', 200, []],
    ]);
    expect(r.events).toEqual({ 'http.gap_in_headers': 1, 'http.resync': 1, 'http.resync_skipped_bytes': 18 });
  });

  it('gap inside a chunked body: incomplete, resync', () => {
    const r = run([
      { d: 0, data: GET + GET },
      { d: 1, data: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123' },
      { d: 1, gap: 12 },
      { d: 1, data: '\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
    ]);
    expect(r.records.map((x) => [x.status, x.responseBodyLength, x.flags])).toEqual([
      [200, 4, ['gap', 'response_incomplete']],
      [200, 0, []],
    ]);
    expect(r.events).toEqual({ 'http.gap_in_body': 1, 'http.resync': 1, 'http.resync_skipped_bytes': 7 });
  });

  it('garbage at the start of a stream: parse error, then resync', () => {
    const r = run([
      { d: 0, data: '\x00\x01junk junk\r\nmore junk\r\nGET /ok HTTP/1.1\r\nHost: h\r\n\r\n' },
      { d: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
    ]);
    expect(r.records.map((x) => [x.transDepth, x.method, x.uri, x.status, x.flags])).toEqual([[0, 'GET', '/ok', 200, []]]);
    expect(r.events).toEqual({
      'http.parse_error': 1,
      'http.parse_error.invalid_method': 1,
      'http.resync': 1,
      'http.resync_skipped_bytes': 24,
    });
  });

  it('parse error inside a header section: message flagged, later requests parsed', () => {
    const r = run([
      { d: 0, data: 'GET /bad HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\nGET /good HTTP/1.1\r\nHost: h\r\n\r\n' },
      { d: 1, data: 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
    ]);
    expect(r.records.map((x) => [x.uri, x.host, x.status, x.flags])).toEqual([
      ['/bad', 'h', 400, ['parse_error', 'request_incomplete']],
      ['/good', 'h', 200, []],
    ]);
    expect(r.events).toEqual({
      'http.parse_error': 1,
      'http.parse_error.invalid_header_token': 1,
      'http.resync': 1,
      'http.resync_skipped_bytes': 14,
    });
  });

  it('midstream start in the middle of a response body', () => {
    const r = run(
      [
        { d: 1, data: 'dy of an earlier response\r\nstill body\r\n' }, // 39 bytes
        { d: 0, data: 'GET /next HTTP/1.1\r\nHost: m\r\n\r\n' },
        { d: 1, data: 'more body' + 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' },
      ],
      {},
      { midstream: true },
    );
    expect(r.records).toEqual([
      rec({
        requestTs: 1001,
        responseTs: 1002,
        method: 'GET',
        host: 'm',
        uri: '/next',
        httpVersion: '1.1',
        status: 200,
        reason: 'OK',
        responseBodyLength: 2,
        flags: ['midstream'],
      }),
    ]);
    expect(r.events).toEqual({ 'http.midstream_skipped_bytes': 48 });
  });

  it('midstream: a status line split across segments is found (carry)', () => {
    const r = run(
      [
        { d: 1, data: 'xx\r\nHTTP/1.1 20', ts: 5 },
        { d: 1, data: '0 OK\r\nContent-Length: 0\r\n\r\n', ts: 6 },
      ],
      {},
      { midstream: true },
    );
    expect(r.records).toEqual([
      rec({ responseTs: 5, httpVersion: '1.1', status: 200, reason: 'OK', flags: ['midstream', 'response_without_request'] }),
    ]);
    expect(r.events).toEqual({ 'http.midstream_skipped_bytes': 4, 'http.response_without_request': 1 });
  });

  it('reversed direction: dir 0 carries responses, dir 1 requests', () => {
    const r = run(
      [
        { d: 1, data: 'GET /rev HTTP/1.1\r\nHost: r\r\n\r\n' },
        { d: 0, data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
      ],
      {},
      { midstream: true },
    );
    expect(r.records).toEqual([
      rec({
        clientIp: '10.0.0.2',
        clientPort: 80,
        serverIp: '10.0.0.1',
        serverPort: 40000,
        requestTs: 1000,
        responseTs: 1001,
        method: 'GET',
        host: 'r',
        uri: '/rev',
        httpVersion: '1.1',
        status: 200,
        reason: 'OK',
        flags: ['midstream'],
      }),
    ]);
    expect(r.events).toEqual({ 'http.direction_swapped': 1 });
  });

  it('reversed direction without midstream: first bytes `HTTP/` on dir 0', () => {
    const r = run([
      { d: 0, data: 'HTT' },
      { d: 0, data: 'P/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
      { d: 1, data: 'GET /late HTTP/1.1\r\n\r\n' },
    ]);
    expect(r.records.map((x) => [x.clientIp, x.method, x.status, x.flags])).toEqual([
      ['10.0.0.2', null, 200, ['response_without_request']],
      ['10.0.0.2', 'GET', null, ['unanswered']],
    ]);
  });

  it('header cap: event and flag, kept values before the cap survive', () => {
    const r = run([{ d: 0, data: `GET /h HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(400)}\r\nUser-Agent: late\r\n\r\n` }], {
      maxHeaderBytes: 256,
    });
    expect(r.records.map((x) => [x.uri, x.host, x.userAgent, x.flags])).toEqual([
      ['/h', 'h', null, ['request_headers_truncated', 'unanswered']],
    ]);
    expect(r.events['http.header_cap']).toBe(1);
  });

  it('pending cap: the oldest unanswered request is emitted early', () => {
    const r = run([{ d: 0, data: GET.repeat(3) }, { d: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' }], {
      maxPendingRequests: 2,
    });
    expect(r.records.map((x) => [x.transDepth, x.status, x.flags])).toEqual([
      [0, null, ['unanswered']],
      [1, 200, []],
      [2, null, ['unanswered']],
    ]);
    expect(r.completions).toEqual([1, 2, 3]);
    expect(r.events['http.pending_cap']).toBe(1);
  });
});
