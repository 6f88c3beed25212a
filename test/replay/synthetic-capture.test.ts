/**
 * The synthetic API capture generator (test/bench/generate-capture.ts) checked
 * against tshark as the oracle, then apisensor's replay checked against tshark
 * on the same file.
 *
 * tshark: TCP desegmentation on; requests and responses are read per
 * tcp.stream in frame order and paired FIFO (HTTP/1.1 has no other pairing).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSmallCapture, type SyntheticCaptureTruth } from '../bench/generate-capture.js';

const REPLAY_MODULE = new URL('../../src/replay/replay.ts', import.meta.url);

interface Triple { stream: number; method: string; uri: string; status: number }
/** Frame numbers of a request and its response (tshark's frame.number of the last segment). */
interface FramePair { requestFrame: number; responseFrame: number }

function tshark(args: string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
}

/** Rows of tab-separated fields; `|` joins repeated occurrences within one frame. */
function tsharkFields(file: string, filter: string, fields: string[]): string[][] {
  const out = tshark([
    '-r', file, '-o', 'tcp.desegment_tcp_streams:TRUE', '-Y', filter, '-T', 'fields',
    '-E', 'separator=/t', '-E', 'aggregator=|', ...fields.flatMap((f) => ['-e', f]),
  ]);
  return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

/** Expands frames that carry several messages into one row per message. */
function perMessage(rows: string[][]): string[][] {
  const messages: string[][] = [];
  for (const row of rows) {
    const columns = row.map((c) => c.split('|'));
    const n = Math.max(...columns.slice(1).map((c) => c.length));
    for (let i = 0; i < n; i++) messages.push(columns.map((c) => c[Math.min(i, c.length - 1)]!));
  }
  return messages;
}

function key(t: { method: string | null; uri: string | null; status: number | null }): string {
  return `${t.method} ${t.uri} ${t.status}`;
}

function multiset(keys: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return new Map([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

describe('synthetic API capture', () => {
  let dir: string;
  let file: string;
  let truth: SyntheticCaptureTruth;
  let tsharkTriples: Triple[];
  let framePairs: FramePair[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'apisensor-synth-'));
    file = join(dir, 'synthetic-api.pcap');
    truth = writeSmallCapture(file, 3_000_000, 7);
    const requests = perMessage(tsharkFields(file, 'http.request', ['tcp.stream', 'http.request.method', 'http.request.uri', 'frame.number']));
    const responses = perMessage(tsharkFields(file, 'http.response', ['tcp.stream', 'http.response.code', 'frame.number']));
    const byStream = new Map<number, { req: string[][]; res: string[][] }>();
    const slot = (s: number) => {
      let e = byStream.get(s);
      if (e === undefined) byStream.set(s, (e = { req: [], res: [] }));
      return e;
    };
    for (const r of requests) slot(Number(r[0])).req.push(r);
    for (const r of responses) slot(Number(r[0])).res.push(r);
    tsharkTriples = [];
    framePairs = [];
    for (const [stream, { req, res }] of [...byStream.entries()].sort(([a], [b]) => a - b)) {
      expect(res.length, `stream ${stream}: responses vs requests`).toBe(req.length);
      req.forEach((r, i) => {
        tsharkTriples.push({ stream, method: r[1]!, uri: r[2]!, status: Number(res[i]![1]) });
        framePairs.push({ requestFrame: Number(r[3]), responseFrame: Number(res[i]![2]) });
      });
    }
  });

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('is about 3 MB with keep-alive connections', () => {
    expect(truth.fileBytes).toBeGreaterThan(3_000_000);
    expect(truth.requests).toBe(truth.responses);
    expect(truth.requests).toBeGreaterThan(truth.connections * 2);
    expect(truth.transactions.length).toBe(truth.requests);
  });

  it('tshark sees exactly the requests and responses the generator wrote, in order per stream', () => {
    expect(tsharkTriples.length).toBe(truth.requests);
    expect(tsharkTriples).toEqual(truth.transactions.map(({ stream, method, uri, status }) => ({ stream, method, uri, status })));
    // The mix covers every method and framing the bench is meant to exercise.
    const methods = new Set(tsharkTriples.map((t) => t.method));
    expect([...methods].sort()).toEqual(['DELETE', 'GET', 'POST', 'PUT']);
    expect(new Set(tsharkTriples.map((t) => t.status)).has(204)).toBe(true);
  });

  it('has keep-alive and pipelined requests (a request completes before the previous response)', () => {
    let keepAlive = 0;
    let pipelined = 0;
    for (let i = 1; i < tsharkTriples.length; i++) {
      if (tsharkTriples[i]!.stream !== tsharkTriples[i - 1]!.stream) continue;
      keepAlive++;
      if (framePairs[i]!.requestFrame < framePairs[i - 1]!.responseFrame) pipelined++;
    }
    expect(keepAlive).toBeGreaterThan(tsharkTriples.length / 2);
    expect(pipelined).toBeGreaterThan(10);
  });

  it('tshark decodes chunked and gzip bodies and counts every frame', () => {
    const chunked = tshark(['-r', file, '-o', 'tcp.desegment_tcp_streams:TRUE', '-Y', 'http.transfer_encoding == "chunked"']);
    const gzip = tshark(['-r', file, '-o', 'tcp.desegment_tcp_streams:TRUE', '-Y', 'http.content_encoding == "gzip"']);
    expect(chunked.split('\n').filter((l) => l.length > 0).length).toBeGreaterThan(10);
    expect(gzip.split('\n').filter((l) => l.length > 0).length).toBeGreaterThan(10);
    const frames = tshark(['-r', file, '-T', 'fields', '-e', 'frame.number']).split('\n').filter((l) => l.length > 0);
    expect(frames.length).toBe(truth.packets);
  });

  it('has valid checksums and no TCP or malformed expert info', () => {
    const bad = tshark([
      '-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE',
      '-Y', 'ip.checksum.status == 2 || tcp.checksum.status == 2 || _ws.malformed || tcp.analysis.flags',
    ]);
    expect(bad).toBe('');
    const expert = tshark(['-r', file, '-o', 'tcp.desegment_tcp_streams:TRUE', '-q', '-z', 'expert']);
    expect(expert).not.toMatch(/^Errors \(/m);
    expect(expert).not.toMatch(/^Warnings \(/m);
    expect(expert).not.toMatch(/previous segment not captured|ACKed segment that wasn't captured|Malformed/i);
  });

  it.skipIf(!existsSync(REPLAY_MODULE))('replayFiles finds the same (method, uri, status) multiset as tshark', async () => {
    const { replayFiles } = (await import(REPLAY_MODULE.href)) as typeof import('../../src/replay/replay.js');
    const result = await replayFiles([file], { workers: 0, collect: true });
    expect(result.error).toBeUndefined();
    expect(result.summary.packets).toBe(truth.packets);
    expect(result.transactions.length).toBe(tsharkTriples.length);
    expect(multiset(result.transactions.map(key))).toEqual(multiset(tsharkTriples.map(key)));
    expect(result.transactions.every((t) => t.flags.length === 0)).toBe(true);
  });
});
