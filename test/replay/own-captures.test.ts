/**
 * Our own captures (pcaps/own/*.pcap, recorded by pcaps/own/make-captures.sh
 * from curl, python3, ab and nc against node:http and nginx) replayed and
 * compared with `<name>.expected.jsonl`, which is derived from the servers'
 * access logs (pcaps/own/tools/derive-expected.mjs; see pcaps/README.md, `## own/`).
 *
 * Compared exactly, per transaction: method, host, uri, status, httpVersion,
 * informational, responseContentEncoding, and every body length the expected
 * line has. Order: within each connection (client port) exactly in log order;
 * across connections in log order for the captures whose clients ran one after
 * another (all but ab-keepalive, whose four connections run concurrently).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replayFiles } from '../../src/replay/replay.js';
import type { TransactionRecord } from '../../src/http/transaction-record.js';
import type { ReplayResult } from '../../src/replay/replay-types.js';

const OWN = fileURLToPath(new URL('../../pcaps/own/', import.meta.url));

/** One line of `<name>.expected.jsonl`; a missing key is not known from the capture. */
interface Expected {
  method: string | null;
  host: string | null;
  uri: string | null;
  status?: number;
  httpVersion?: string;
  informational: number[];
  requestBodyLength?: number;
  responseBodyLength?: number;
  responseBodyDecodedLength?: number;
  responseContentEncoding?: string | null;
  clientPort: number;
  server: 'node' | 'nginx';
  /** Flags the record must carry. */
  flags?: string[];
  note?: string;
}

const COMPARED = [
  'method', 'host', 'uri', 'status', 'httpVersion', 'informational',
  'requestBodyLength', 'responseBodyLength', 'responseBodyDecodedLength', 'responseContentEncoding',
] as const;

function loadExpected(name: string): Expected[] {
  return readFileSync(`${OWN}${name}.expected.jsonl`, 'utf8')
    .split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Expected);
}

async function replay(name: string): Promise<ReplayResult> {
  const result = await replayFiles([`${OWN}${name}.pcap`], { workers: 0, collect: true });
  expect(result.error).toBeUndefined();
  return result;
}

/** The fields the expected line has, taken from the record (same keys). */
function project(record: TransactionRecord, want: Expected): Record<string, unknown> {
  const out: Record<string, unknown> = { clientPort: record.clientPort };
  for (const k of COMPARED) if (k in want) out[k] = record[k];
  return out;
}

function strip(want: Expected): Record<string, unknown> {
  const out: Record<string, unknown> = { clientPort: want.clientPort };
  for (const k of COMPARED) if (k in want) out[k] = want[k];
  return out;
}

function byConnection<T>(rows: T[], port: (row: T) => number): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const row of rows) {
    const p = port(row);
    if (!m.has(p)) m.set(p, []);
    m.get(p)!.push(row);
  }
  return m;
}

/** Compares records with expectations per connection in order, and globally when `globalOrder`. */
function compare(records: TransactionRecord[], expected: Expected[], globalOrder: boolean): void {
  const got = byConnection(records, (r) => r.clientPort);
  const want = byConnection(expected, (e) => e.clientPort);
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [port, rows] of want) {
    const recs = got.get(port) ?? [];
    expect(recs.map((r, i) => project(r, rows[i] ?? rows[0]!)), `connection from port ${port}`).toEqual(rows.map(strip));
  }
  if (globalOrder) {
    expect(records.map((r) => `${r.clientPort} ${r.method} ${r.uri}`))
      .toEqual(expected.map((e) => `${e.clientPort} ${e.method} ${e.uri}`));
  }
  for (const r of records) expect(r.serverIp).toBe('10.77.0.1');
}

describe('own captures vs server access logs', () => {
  it('api-keepalive.pcap: curl + python3 keep-alive JSON API session on two Host names', async () => {
    const expected = loadExpected('api-keepalive');
    const { transactions, summary } = await replay('api-keepalive');
    compare(transactions, expected, true);
    expect(summary.transactions).toBe(33);
    expect(new Set(transactions.map((t) => t.host))).toEqual(new Set(['api.example.com', 'shop.example.com']));
    // No flags on a clean capture taken with its handshakes.
    expect(transactions.filter((t) => t.flags.length > 0).map((t) => [t.uri, t.flags])).toEqual([]);
  });

  it('pipelining.pcap: three requests in one segment, answered in order', async () => {
    const expected = loadExpected('pipelining');
    const { transactions } = await replay('pipelining');
    compare(transactions, expected, true);
    expect(transactions.map((t) => t.transDepth)).toEqual([0, 1, 2]);
    expect(new Set(transactions.map((t) => t.uid)).size).toBe(1);
  });

  it('chunked-gzip.pcap: chunked and gzip/deflate/br bodies from nginx and node', async () => {
    const expected = loadExpected('chunked-gzip');
    const { transactions } = await replay('chunked-gzip');
    compare(transactions, expected, true);
    // Every content-coded response decodes to the server's uncompressed size.
    const coded = transactions.filter((t) => t.responseContentEncoding !== null);
    expect(coded.map((t) => t.responseContentEncoding)).toEqual(['gzip', 'gzip', 'gzip', 'deflate', 'br', 'gzip', 'deflate', 'br']);
    expect(coded.map((t) => t.responseBodyDecodedLength))
      .toEqual(expected.filter((e) => e.responseContentEncoding).map((e) => e.responseBodyDecodedLength));
  });

  it('post-json-100-continue.pcap: 100 Continue then 201', async () => {
    const expected = loadExpected('post-json-100-continue');
    const { transactions } = await replay('post-json-100-continue');
    compare(transactions, expected, true);
    expect(transactions).toHaveLength(1);
    expect(transactions[0]!.informational).toEqual([100]);
    expect(transactions[0]!.status).toBe(201);
    expect(transactions[0]!.requestBodyLength).toBe(2273);
  });

  it('head.pcap: HEAD has no body even with Content-Length; GET on the same connection follows', async () => {
    const expected = loadExpected('head');
    const { transactions } = await replay('head');
    compare(transactions, expected, true);
    const heads = transactions.filter((t) => t.method === 'HEAD');
    expect(heads).toHaveLength(2);
    for (const t of heads) expect(t.responseBodyLength).toBe(0);
    expect(transactions.find((t) => t.method === 'GET')!.responseBodyLength).toBe(678);
    expect(transactions.flatMap((t) => t.flags)).toEqual([]);
  });

  it('ab-keepalive.pcap: ApacheBench HTTP/1.0 keep-alive, 4 concurrent connections', async () => {
    const expected = loadExpected('ab-keepalive');
    const { transactions } = await replay('ab-keepalive');
    compare(transactions, expected, false);
    expect(transactions).toHaveLength(200);
    expect(new Set(transactions.map((t) => t.uid)).size).toBe(4);
  });

  it('midstream.pcap: connection picked up without its handshake', async () => {
    const expected = loadExpected('midstream');
    const { transactions } = await replay('midstream');
    compare(transactions, expected, true);
    for (const [i, t] of transactions.entries()) {
      const want = expected[i]!;
      if (want.flags?.includes('midstream')) expect(t.flags, `${t.clientPort} ${t.uri}`).toContain('midstream');
      else expect(t.flags, `${t.clientPort} ${t.uri}`).not.toContain('midstream');
    }
    expect(transactions.filter((t) => t.flags.includes('midstream')))
      .toHaveLength(expected.filter((e) => e.flags?.includes('midstream')).length);
  });

  it('snaplen-96.pcap: frames cut at 96 bytes give gap / incomplete transactions, no error', async () => {
    const expected = loadExpected('snaplen-96');
    const result = await replay('snaplen-96'); // a throw fails the test; result.error is checked in replay()
    const { transactions } = result;
    compare(transactions, expected, true);
    for (const [i, t] of transactions.entries()) {
      for (const flag of expected[i]!.flags ?? []) expect(t.flags, `${t.clientPort} ${t.uri}`).toContain(flag);
    }
    expect(result.summary.gaps).toBeGreaterThan(0);
  });
});
