/**
 * Every-split-offset test: the same request and response streams, cut into
 * chunks at every byte offset (and random multi-splits), must give identical
 * records, body samples and events.
 */
import { describe, expect, it } from 'vitest';
import * as zlib from 'node:zlib';
import { run } from './harness.js';
import type { Step } from './harness.js';
import type { TransactionRecord } from '../../src/http/transaction-record.js';

const cat = (...p: (string | Uint8Array)[]): Uint8Array => Buffer.concat(p.map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : x)));

const json = JSON.stringify({ users: [{ id: 1, email: 'a@example.com' }, { id: 2, email: 'b@example.com' }] });
const gz = zlib.gzipSync(json);
const half = gz.length >> 1;
const REQUESTS = cat(
  'GET /users?page=1 HTTP/1.1\r\nHost: api.test\r\nUser-Agent: split/1\r\nAccept-Encoding: gzip\r\n\r\n',
  'POST /users HTTP/1.1\r\nHost: api.test\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"name":"ab"}',
  'GET /health HTTP/1.1\nHost: api.test\n\n',
);
const RESPONSES = cat(
  `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n`,
  `${half.toString(16)}\r\n`,
  gz.subarray(0, half),
  `\r\n${(gz.length - half).toString(16)};x=y\r\n`,
  gz.subarray(half),
  '\r\n0\r\nX-Trailer: t\r\n\r\n',
  'HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}',
  'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
);

interface Snapshot {
  records: TransactionRecord[];
  samples: string[];
  events: Record<string, number>;
}

function snapshot(reqChunks: Uint8Array[], resChunks: Uint8Array[], midstream = false): Snapshot {
  const steps: Step[] = [
    ...reqChunks.map((data): Step => ({ d: 0, data, ts: 1000 })),
    ...resChunks.map((data): Step => ({ d: 1, data, ts: 1000 })),
  ];
  const r = run(steps, {}, { midstream });
  return {
    records: r.records,
    samples: r.records.flatMap((x) => [Buffer.from(x.requestBodySample ?? []).toString('hex'), Buffer.from(x.responseBodySample ?? []).toString('hex')]),
    events: r.events,
  };
}

const splitAt = (b: Uint8Array, cuts: number[]): Uint8Array[] => {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    out.push(b.subarray(prev, c));
    prev = c;
  }
  out.push(b.subarray(prev));
  return out;
};

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('every split offset', () => {
  const ref = snapshot([REQUESTS], [RESPONSES]);

  it('reference run has the hand-checked values', () => {
    expect(ref.records.map((x) => [x.method, x.uri, x.status, x.requestBodyLength, x.responseBodyLength, x.responseBodyDecodedLength, x.flags])).toEqual([
      ['GET', '/users?page=1', 200, 0, gz.length, Buffer.byteLength(json), []],
      ['POST', '/users', 201, 13, 2, null, []],
      ['GET', '/health', 200, 0, 2, null, []],
    ]);
    expect(Buffer.from(ref.records[0]!.responseBodySample!).toString()).toBe(json);
    expect(ref.events).toEqual({});
  });

  it('request stream split in two at every offset', () => {
    for (let k = 0; k <= REQUESTS.length; k++) expect(snapshot(splitAt(REQUESTS, [k]), [RESPONSES]), `cut ${k}`).toEqual(ref);
  });

  it('response stream split in two at every offset', () => {
    for (let k = 0; k <= RESPONSES.length; k++) expect(snapshot([REQUESTS], splitAt(RESPONSES, [k])), `cut ${k}`).toEqual(ref);
  });

  it('random multi-splits of both streams', () => {
    const rand = rng(12345);
    for (let t = 0; t < 200; t++) {
      const cutsQ = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Math.floor(rand() * (REQUESTS.length + 1)));
      const cutsR = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Math.floor(rand() * (RESPONSES.length + 1)));
      expect(snapshot(splitAt(REQUESTS, cutsQ), splitAt(RESPONSES, cutsR)), `cuts ${cutsQ} / ${cutsR}`).toEqual(ref);
    }
  });

  it('midstream pickup (scanner carry path) at every offset of a leading body fragment', () => {
    const lead = cat('tail of an older body without newline');
    const resp = cat(lead, RESPONSES);
    const base = snapshot([REQUESTS], [resp], true);
    expect(base.records.map((x) => [x.uri, x.status, x.flags])).toEqual([
      ['/users?page=1', 200, ['midstream']],
      ['/users', 201, ['midstream']],
      ['/health', 200, ['midstream']],
    ]);
    expect(base.events).toEqual({ 'http.midstream_skipped_bytes': lead.length });
    for (let k = 0; k <= resp.length; k++) expect(snapshot([REQUESTS], splitAt(resp, [k]), true), `cut ${k}`).toEqual(base);
  });
});

describe('every split offset, lenient start lines (request-line.ts, status prefix)', () => {
  const LREQ = cat('CCM_POST /a b HTTP/1.\r\nHost: h\r\nContent-Length: 2\r\n\r\nxy', '\r\nget /x http/1.1\r\nHost: h\r\n\r\n');
  const LRES = cat('http/1.1 200 OK\r\nContent-Length: 1\r\n\r\na', 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  const ref = snapshot([LREQ], [LRES]);

  it('reference run has the hand-checked values', () => {
    expect(ref.records.map((x) => [x.method, x.host, x.uri, x.httpVersion, x.status, x.requestBodyLength, x.responseBodyLength, x.flags])).toEqual([
      ['CCM_POST', 'h', '/a', '1.0', 200, 2, 1, []],
      ['get', 'h', '/x', '1.1', 404, 0, 0, []],
    ]);
    expect(ref.events).toEqual({});
  });

  it('both streams split in two at every offset', () => {
    for (let k = 0; k <= LREQ.length; k++) expect(snapshot(splitAt(LREQ, [k]), [LRES]), `request cut ${k}`).toEqual(ref);
    for (let k = 0; k <= LRES.length; k++) expect(snapshot([LREQ], splitAt(LRES, [k])), `response cut ${k}`).toEqual(ref);
  });
});
