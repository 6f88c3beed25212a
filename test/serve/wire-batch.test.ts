import { describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { StreamFrame } from '../../src/serve/frame-ring.js';
import { compileFilter } from '../../src/serve/stream-filter.js';
import { decodeMessage } from '../../src/serve/stream-protocol.js';
import { buildWireBatch } from '../../src/serve/wire-batch.js';

/** A finding message whose JSON is exactly `size` bytes (padded description). */
function frame(seq: number, size: number, severity: 'low' | 'high'): StreamFrame {
  const head = { channel: 'findings', seq, finding: { seq, type: 'bola', severity, description: '' } };
  const pad = size - JSON.stringify(head).length;
  head.finding.description = 'x'.repeat(pad);
  const json = Buffer.from(JSON.stringify(head));
  expect(json.length).toBe(size);
  return new StreamFrame({ seq, channel: 'findings', severity, type: 'bola', json });
}

// ws exports its RFC 6455 parser (the Receiver behind every ws client); @types/ws does not declare it.
const Receiver = (wsModule as unknown as { Receiver: new (o: object) => NodeJS.WritableStream & { on(e: string, f: (...a: unknown[]) => void): void } }).Receiver;

/** Messages as ws's own client-side parser (the Receiver behind every WebSocket client) reads them. */
function receive(bytes: Buffer): { text: string; binary: boolean }[] {
  const out: { text: string; binary: boolean }[] = [];
  // A client-side receiver: server frames are unmasked.
  const receiver = new Receiver({ isServer: false, maxPayload: 0 });
  receiver.on('message', (data, isBinary) => out.push({ text: (data as Buffer).toString('utf8'), binary: isBinary as boolean }));
  receiver.on('error', (err) => { throw err as Error; });
  receiver.write(bytes);
  return out;
}

describe('buildWireBatch', () => {
  // Payload lengths on both sides of the 7-bit, 16-bit and 64-bit length forms (RFC 6455 §5.2).
  const sizes = [125, 126, 65_535, 65_536, 200_000];
  const frames = sizes.map((n, i) => frame(i + 1, n, i % 2 === 0 ? 'low' : 'high'));

  it('frames every message so a standard WebSocket parser reads them back, in order', () => {
    const batch = buildWireBatch(frames, 0, compileFilter({}), 'json');
    expect(batch.messages).toBe(5);
    const got = receive(batch.bytes);
    expect(got.map((m) => m.binary)).toEqual([false, false, false, false, false]);
    expect(got.map((m) => m.text)).toEqual(frames.map((f) => f.json.toString('utf8')));
    expect(batch.bytes.length).toBe(sizes.reduce((s, n) => s + n, 0) + 2 + 4 + 4 + 10 + 10);
  });

  it('keeps only messages above the cursor that the filter matches; msgpack goes in binary frames', () => {
    const batch = buildWireBatch(frames, 1, compileFilter({ minSeverity: 'high' }), 'msgpack');
    const got = receive(batch.bytes);
    expect(got.map((m) => m.binary)).toEqual([true, true]);
    expect(batch.messages).toBe(2);
    expect(buildWireBatch(frames, 5, compileFilter({}), 'json').messages).toBe(0);
  });

  it('msgpack payloads decode to the same messages as the JSON ones', () => {
    const batch = buildWireBatch(frames.slice(0, 2), 0, compileFilter({}), 'msgpack');
    const r = new Receiver({ isServer: false, maxPayload: 0 });
    const decoded: unknown[] = [];
    r.on('message', (data) => decoded.push(decodeMessage(data as Buffer, 'msgpack')));
    r.write(batch.bytes);
    expect(decoded).toEqual(frames.slice(0, 2).map((f) => JSON.parse(f.json.toString('utf8'))));
  });
});
