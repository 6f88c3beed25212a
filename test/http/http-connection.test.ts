import { describe, expect, it } from 'vitest';
import { run, rec } from './harness.js';

const GET = 'GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\n\r\n';
const OK5 = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello';

describe('HttpConnection basics', () => {
  it('simple GET', () => {
    const r = run([{ d: 0, data: GET, ts: 1000.000001 }, { d: 1, data: OK5, ts: 1000.25 }]);
    expect(r.records).toEqual([
      rec({
        requestTs: 1000.000001,
        responseTs: 1000.25,
        method: 'GET',
        host: 'example.com',
        uri: '/index.html',
        httpVersion: '1.1',
        status: 200,
        reason: 'OK',
        responseBodyLength: 5,
        responseContentType: 'text/plain',
        userAgent: 'curl/8.0',
      }),
    ]);
    expect(r.completions).toEqual([2]);
    expect(r.events).toEqual({});
    // exact key order of TransactionRecord (JSONL contract), extras hidden
    expect(Object.keys(r.records[0]!)).toEqual(Object.keys(rec({})));
    expect(JSON.parse(JSON.stringify(r.records[0]))).toEqual(rec({ ...r.records[0]! }));
    expect(Buffer.from(r.records[0]!.responseBodySample!).toString()).toBe('hello');
    expect(r.records[0]!.requestHeaders).toEqual([
      ['Host', 'example.com'],
      ['User-Agent', 'curl/8.0'],
    ]);
  });

  it('keep-alive: two transactions on one connection, emitted as each response completes', () => {
    const r = run([
      { d: 0, data: GET },
      { d: 1, data: OK5 },
      { d: 0, data: 'GET /two HTTP/1.1\r\nHost: example.com\r\n\r\n' },
      { d: 1, data: 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n' },
    ]);
    expect(r.records.map((x) => [x.transDepth, x.uri, x.status, x.requestTs, x.responseTs])).toEqual([
      [0, '/index.html', 200, 1000, 1001],
      [1, '/two', 404, 1002, 1003],
    ]);
    expect(r.completions).toEqual([2, 4]);
  });

  it('pipelining of 3 requests in one segment, responses in two segments', () => {
    const reqs = 'GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\n\r\n';
    const r1 = 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA';
    const r2 = 'HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nBB';
    const r3 = 'HTTP/1.1 202 Accepted\r\nContent-Length: 3\r\n\r\nCCC';
    const r = run([
      { d: 0, data: reqs },
      { d: 1, data: r1 + r2.slice(0, 10) },
      { d: 1, data: r2.slice(10) + r3 },
    ]);
    expect(r.records.map((x) => [x.transDepth, x.uri, x.status, x.reason, x.responseBodyLength, x.responseTs])).toEqual([
      [0, '/a', 200, 'OK', 1, 1001],
      [1, '/b', 201, 'Created', 2, 1001],
      [2, '/c', 202, 'Accepted', 3, 1002],
    ]);
    expect(r.completions).toEqual([2, 3, 3]);
  });

  it('POST with a JSON body (Content-Length)', () => {
    const body = '{"user":"alice","id":42}'; // 24 bytes
    const r = run([
      { d: 0, data: `POST /api/users HTTP/1.1\r\nHost: api.test\r\nContent-Type: application/json\r\nContent-Length: 24\r\n\r\n${body}` },
      { d: 1, data: 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n' },
    ]);
    expect(r.records).toEqual([
      rec({
        requestTs: 1000,
        responseTs: 1001,
        method: 'POST',
        host: 'api.test',
        uri: '/api/users',
        httpVersion: '1.1',
        status: 201,
        reason: 'Created',
        requestBodyLength: 24,
        requestContentType: 'application/json',
      }),
    ]);
    expect(Buffer.from(r.records[0]!.requestBodySample!).toString()).toBe(body);
  });

  it('chunked response with trailers (trailers do not replace headers)', () => {
    const res =
      'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\nTrailer: Content-Type\r\n\r\n' +
      '4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nContent-Type: evil/trailer\r\nX-Checksum: 1\r\n\r\n';
    const r = run([{ d: 0, data: GET }, { d: 1, data: res }]);
    expect(r.records[0]).toMatchObject({ status: 200, responseBodyLength: 9, responseContentType: 'text/html', flags: [] });
    expect(Buffer.from(r.records[0]!.responseBodySample!).toString()).toBe('Wikipedia');
    expect(r.records[0]!.responseHeaders!.map((h) => h[0])).toEqual(['Content-Type', 'Transfer-Encoding', 'Trailer']);
  });

  it('HEAD with Content-Length but no body, then the next response parses', () => {
    const r = run([
      { d: 0, data: 'HEAD /f HTTP/1.1\r\nHost: h\r\n\r\nGET /g HTTP/1.1\r\nHost: h\r\n\r\n' },
      { d: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi' },
    ]);
    expect(r.records.map((x) => [x.method, x.uri, x.status, x.responseBodyLength, x.flags])).toEqual([
      ['HEAD', '/f', 200, 0, []],
      ['GET', '/g', 200, 2, []],
    ]);
  });

  it('100-continue: interim recorded, final response paired', () => {
    const r = run([
      { d: 0, data: 'PUT /up HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n' },
      { d: 1, data: 'HTTP/1.1 100 Continue\r\n\r\n' },
      { d: 0, data: 'abc' },
      { d: 1, data: 'HTTP/1.1 204 No Content\r\n\r\n' },
    ]);
    expect(r.records).toEqual([
      rec({
        requestTs: 1000,
        responseTs: 1001,
        method: 'PUT',
        host: 'h',
        uri: '/up',
        httpVersion: '1.1',
        status: 204,
        reason: 'No Content',
        informational: [100],
        requestBodyLength: 3,
      }),
    ]);
    expect(r.completions).toEqual([4]);
  });

  it('204 and 304 have no body even with Content-Length', () => {
    const r = run([
      { d: 0, data: 'DELETE /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\nIf-None-Match: "e"\r\n\r\n' },
      { d: 1, data: 'HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 77\r\nETag: "e"\r\n\r\n' },
    ]);
    expect(r.records.map((x) => [x.method, x.status, x.responseBodyLength, x.flags])).toEqual([
      ['DELETE', 204, 0, []],
      ['GET', 304, 0, []],
    ]);
    expect(r.completions).toEqual([2, 2]);
  });

  it('close-delimited response ends at FIN', () => {
    const r = run([
      { d: 0, data: 'GET /old HTTP/1.0\r\n\r\n' },
      { d: 1, data: 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsome ' },
      { d: 1, data: 'bytes' },
      { d: 1, end: true },
    ]);
    expect(r.records.map((x) => [x.httpVersion, x.status, x.responseBodyLength, x.flags])).toEqual([['1.0', 200, 10, []]]);
    expect(r.completions).toEqual([4]);
  });

  it('close-delimited response ends at close without FIN', () => {
    const r = run([{ d: 0, data: 'GET /old HTTP/1.0\r\n\r\n' }, { d: 1, data: 'HTTP/1.0 200 OK\r\n\r\nabc' }]);
    expect(r.records.map((x) => [x.status, x.responseBodyLength, x.flags])).toEqual([[200, 3, []]]);
    expect(r.completions).toEqual([3]);
  });

  it('CONNECT 200 ends HTTP parsing; tunnel bytes are counted', () => {
    const r = run([
      { d: 0, data: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n' },
      { d: 1, data: 'HTTP/1.1 200 Connection established\r\n\r\n' },
      { d: 0, data: '\x16\x03\x01\x00\x05hello' }, // 10 bytes
      { d: 1, data: '\x16\x03\x03\x00\x02ok' }, // 7 bytes
    ]);
    expect(r.records).toEqual([
      rec({
        requestTs: 1000,
        responseTs: 1001,
        method: 'CONNECT',
        host: 'example.com:443',
        uri: 'example.com:443',
        httpVersion: '1.1',
        status: 200,
        reason: 'Connection established',
        flags: ['connect'],
      }),
    ]);
    expect(r.events).toEqual({ 'http.bytes_after_upgrade': 17 });
  });

  it('CONNECT refused (407): the client stream continues as HTTP', () => {
    const r = run([
      { d: 0, data: 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\nGET /next HTTP/1.1\r\nHost: b\r\n\r\n' },
      { d: 1, data: 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n' },
      { d: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
    ]);
    expect(r.records.map((x) => [x.method, x.uri, x.status, x.flags])).toEqual([
      ['CONNECT', 'a:443', 407, []],
      ['GET', '/next', 200, []],
    ]);
  });

  it('Upgrade: websocket with 101 ends HTTP parsing', () => {
    const r = run([
      {
        d: 0,
        data: 'GET /chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      },
      {
        d: 1,
        data: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x02hi',
      },
      { d: 0, data: '\x81\x82abcdXY' },
    ]);
    expect(r.records).toEqual([
      rec({
        requestTs: 1000,
        responseTs: 1001,
        method: 'GET',
        host: 'ws.test',
        uri: '/chat',
        httpVersion: '1.1',
        status: 101,
        reason: 'Switching Protocols',
        flags: ['upgrade'],
      }),
    ]);
    expect(r.events).toEqual({ 'http.bytes_after_upgrade': 4 + 8 });
  });

  it('bare LF line endings', () => {
    const r = run([
      { d: 0, data: 'GET /lf HTTP/1.1\nHost: lf.test\nUser-Agent: x\n\n' },
      { d: 1, data: 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok' },
    ]);
    expect(r.records.map((x) => [x.uri, x.host, x.userAgent, x.status, x.reason, x.responseBodyLength, x.flags])).toEqual([
      ['/lf', 'lf.test', 'x', 200, 'OK', 2, []],
    ]);
  });

  it('unanswered request and response without request at close', () => {
    const a = run([{ d: 0, data: GET }]);
    expect(a.records).toEqual([
      rec({ requestTs: 1000, method: 'GET', host: 'example.com', uri: '/index.html', httpVersion: '1.1', userAgent: 'curl/8.0', flags: ['unanswered'] }),
    ]);
    expect(a.events).toEqual({ 'http.unanswered_request': 1 });
  });
});
