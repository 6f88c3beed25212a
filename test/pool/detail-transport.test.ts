/**
 * Detail transport (pool/detail-pack.ts): header lists and body samples of a
 * batch packed into one ArrayBuffer, transferred, and re-attached on the main
 * thread. Layout bytes are hand-computed from the format in detail-pack.ts;
 * the replay check compares the pooled (packed) detail with the inline
 * (attached) detail of the same captures. Needs the compiled worker.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { packDetails, unpackDetails } from '../../src/pool/detail-pack.js';
import type { KeyedTransaction } from '../../src/pool/messages.js';
import type { TransactionRecord } from '../../src/http/transaction-record.js';
import { replayFiles } from '../../src/replay/replay.js';

function keyed(extras: Partial<Pick<TransactionRecord, 'requestHeaders' | 'responseHeaders' | 'requestBodySample' | 'responseBodySample'>>): KeyedTransaction {
  const record = { uid: 'C1', transDepth: 0 } as TransactionRecord;
  for (const [k, v] of Object.entries(extras)) Object.defineProperty(record, k, { value: v, enumerable: false, writable: true, configurable: true });
  return { completionIndex: 1, firstPacketIndex: 1, record };
}

const fresh = (list: KeyedTransaction[]): KeyedTransaction[] =>
  list.map((k) => ({ ...k, record: { uid: k.record.uid, transDepth: k.record.transDepth } as TransactionRecord }));

describe('packDetails / unpackDetails', () => {
  it('writes the documented layout', () => {
    const packed = packDetails([keyed({ requestHeaders: [['Host', 'a']], requestBodySample: Uint8Array.of(0x7b, 0x7d) })]);
    // req headers: count 1, name len 4 "Host", value len 1 "a"; res headers: ABSENT; req sample: len 2 "{}"; res sample: ABSENT
    expect([...new Uint8Array(packed)]).toEqual([
      1, 0, 0, 0, 4, 0, 0, 0, 0x48, 0x6f, 0x73, 0x74, 1, 0, 0, 0, 0x61,
      0xff, 0xff, 0xff, 0xff,
      2, 0, 0, 0, 0x7b, 0x7d,
      0xff, 0xff, 0xff, 0xff,
    ]);
  });

  it('round-trips latin1 headers, empty lists, absent parts and offset sample views', () => {
    const big = Uint8Array.from({ length: 64 }, (_, i) => i);
    const list = [
      keyed({
        requestHeaders: [['X-Caf\u00e9', 'na\u00efve \u00ff'], ['Accept', '']],
        responseHeaders: [],
        requestBodySample: big.subarray(10, 20),
        responseBodySample: new Uint8Array(0),
      }),
      keyed({ responseHeaders: [['Server', 'nginx']], responseBodySample: big.subarray(60) }),
      keyed({}),
    ];
    const packed = packDetails(list);
    const out = fresh(list);
    unpackDetails(out, packed);
    expect(out[0]!.record.requestHeaders).toEqual([['X-Caf\u00e9', 'na\u00efve \u00ff'], ['Accept', '']]);
    expect(out[0]!.record.responseHeaders).toEqual([]);
    expect([...out[0]!.record.requestBodySample!]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(out[0]!.record.responseBodySample!.length).toBe(0);
    expect(out[1]!.record.requestHeaders).toBeUndefined();
    expect(out[1]!.record.responseHeaders).toEqual([['Server', 'nginx']]);
    expect(out[1]!.record.requestBodySample).toBeUndefined();
    expect([...out[1]!.record.responseBodySample!]).toEqual([60, 61, 62, 63]);
    expect(Object.getOwnPropertyNames(out[2]!.record).sort()).toEqual(['transDepth', 'uid']);
    // samples are views on the one packed buffer, and the extras stay out of JSON
    expect(out[1]!.record.responseBodySample!.buffer).toBe(packed);
    expect(JSON.stringify(out[0]!.record)).toBe('{"uid":"C1","transDepth":0}');
  });
});

type Detail = [string, [string, string][] | undefined, [string, string][] | undefined, number[] | undefined, number[] | undefined];

async function details(files: string[], workers: number): Promise<Detail[]> {
  const out: Detail[] = [];
  const r = await replayFiles(files, {
    workers,
    withDetail: true,
    onTransaction: (t) => out.push([
      `${t.uid}/${t.transDepth}`,
      t.requestHeaders,
      t.responseHeaders,
      t.requestBodySample && [...t.requestBodySample],
      t.responseBodySample && [...t.responseBodySample],
    ]),
  });
  expect(r.error).toBeUndefined();
  return out;
}

describe('detail across worker threads', () => {
  const files = ['pcaps/own/chunked-gzip.pcap', 'pcaps/own/api-keepalive.pcap', 'pcaps/own/post-json-100-continue.pcap'];

  it('is the same packed (workers) as attached (inline)', async () => {
    const inline = await details(files, 0);
    expect(inline.length).toBeGreaterThan(10);
    for (const workers of [1, 2]) expect(await details(files, workers), `workers=${workers}`).toEqual(inline);
  });

  it('carries the (decoded) response bodies of chunked-gzip.pcap (lengths from its expected log)', async () => {
    type Expected = { responseBodyLength: number; responseBodyDecodedLength?: number | null };
    const expected = readFileSync('pcaps/own/chunked-gzip.expected.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Expected);
    const pooled = await details(['pcaps/own/chunked-gzip.pcap'], 2);
    expect(pooled.length).toBe(expected.length);
    pooled.forEach((d, i) => {
      const e = expected[i]!;
      expect(d[4]!.length, `transaction ${i}`).toBe(Math.min(e.responseBodyDecodedLength ?? e.responseBodyLength, 65536));
    });
  });
});
