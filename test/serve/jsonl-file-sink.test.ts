import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FindingBus } from '../../src/findings/finding-bus.js';
import { attachSink } from '../../src/findings/finding-sink.js';
import { JsonlFileSink } from '../../src/findings/jsonl-file-sink.js';
import { makeFinding } from './serve-helpers.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('JsonlFileSink', () => {
  it('writes one finding per line and rotates by size, keeping N files', async () => {
    dir = mkdtempSync(join(tmpdir(), 'apisensor-sink-'));
    const file = join(dir, 'findings.jsonl');
    const lineBytes = Buffer.byteLength(JSON.stringify(makeFinding(1)) + '\n');
    // Lines of seq 1..9 are the same length (single digit in three places).
    const bus = new FindingBus();
    const sink = new JsonlFileSink(file, { maxBytes: lineBytes * 2, keep: 2 });
    attachSink(bus, sink);
    for (let i = 1; i <= 7; i++) bus.publish(makeFinding(i));
    await sink.close();
    // Two lines per file: [1,2] [3,4] [5,6] [7]; keep 2 → .2 = [3,4], .1 = [5,6], current = [7].
    const seqs = (f: string): number[] => readFileSync(f, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs(file)).toEqual([7]);
    expect(seqs(`${file}.1`)).toEqual([5, 6]);
    expect(seqs(`${file}.2`)).toEqual([3, 4]);
    expect(existsSync(`${file}.3`)).toBe(false);
    expect(sink.events.get('sink.jsonl_rotations')).toBe(3);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(makeFinding(7));
  });

  it('appends to an existing file and counts its size', async () => {
    dir = mkdtempSync(join(tmpdir(), 'apisensor-sink-'));
    const file = join(dir, 'f.jsonl');
    const lineBytes = Buffer.byteLength(JSON.stringify(makeFinding(1)) + '\n');
    const s1 = new JsonlFileSink(file, { maxBytes: lineBytes * 2, keep: 1 });
    s1.write({ channel: 'findings', seq: 1, finding: makeFinding(1) });
    await s1.close();
    const s2 = new JsonlFileSink(file, { maxBytes: lineBytes * 2, keep: 1 });
    s2.write({ channel: 'findings', seq: 2, finding: makeFinding(2) });
    s2.write({ channel: 'findings', seq: 3, finding: makeFinding(3) });
    await s2.close();
    expect(readFileSync(`${file}.1`, 'utf8').trim().split('\n').length).toBe(2);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { seq: number }).seq).toBe(3);
  });

  it('refuses an unopenable path with ERR_SINK_OPEN', () => {
    expect(() => new JsonlFileSink('/nonexistent-dir/x/findings.jsonl')).toThrow(expect.objectContaining({ code: 'ERR_SINK_OPEN' }));
  });
});
