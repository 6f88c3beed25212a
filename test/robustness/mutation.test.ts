/**
 * Robustness: at least 100,000 mutated packets (bit flips, truncations,
 * shuffled segments) taken from real corpus captures go through decode,
 * reassembly and HTTP without an exception, and every table and buffer stays
 * under its cap (with small caps, so the caps are actually exercised).
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CaptureFile } from '../../src/capture/capture-file.js';
import { replayFiles } from '../../src/replay/replay.js';
import { writePcap, mulberry32, type TestFrame } from '../helpers/pcap-writer.js';

const SOURCES = [
  'pcaps/peers/zeek/pipelined-requests/pipelined-requests.pcap',
  'pcaps/peers/zeek/wikipedia/wikipedia.pcap',
  'pcaps/peers/zeek/methods/methods.pcap',
  'pcaps/peers/suricata-verify/http-range-multiflows/input.pcap',
  'pcaps/peers/arkime/wireshark-retrans/wireshark-retrans.pcap',
  'pcaps/own/api-keepalive.pcap',
];

async function loadEthernetFrames(file: string): Promise<TestFrame[]> {
  const frames: TestFrame[] = [];
  const capture = await CaptureFile.open(file);
  try {
    await capture.read((f) => {
      if (f.linkType === 1) frames.push({ tsSec: f.tsSec, tsUsec: Math.floor(f.tsNsec / 1000), data: Uint8Array.from(f.data) });
    });
  } finally {
    await capture.close();
  }
  return frames;
}

function mutate(frames: TestFrame[], total: number, seed: number): TestFrame[] {
  const rand = mulberry32(seed);
  const out: TestFrame[] = [];
  let ts = 1_700_000_000;
  while (out.length < total) {
    const src = frames[Math.floor(rand() * frames.length)]!;
    const data = Uint8Array.from(src.data);
    const kind = rand();
    let bytes: Uint8Array = data;
    if (kind < 0.35) {
      const flips = 1 + Math.floor(rand() * 4);
      for (let i = 0; i < flips; i++) {
        const pos = Math.floor(rand() * data.length);
        data[pos] = data[pos]! ^ (1 << Math.floor(rand() * 8));
      }
    } else if (kind < 0.6) {
      bytes = data.subarray(0, Math.floor(rand() * data.length));
    } else if (kind < 0.75) {
      // corrupt a header byte region heavily (IP/TCP header area)
      const start = 12 + Math.floor(rand() * 48);
      for (let i = start; i < Math.min(data.length, start + 8); i++) data[i] = Math.floor(rand() * 256);
    }
    // the rest: intact segments, emitted in shuffled order (reordering / duplication)
    ts += rand() < 0.001 ? 400 : 0; // occasional long pause: idle expiry in packet time
    out.push({ tsSec: ts, tsUsec: Math.floor(rand() * 1e6), data: bytes, originalLength: src.data.length });
  }
  return out;
}

describe('robustness against mutated traffic', () => {
  const available = SOURCES.filter((s) => existsSync(s));

  it('has source captures to mutate', () => {
    expect(available.length).toBeGreaterThanOrEqual(3);
  });

  it('processes 100,000 mutated packets without exceptions and within caps', async () => {
    const frames: TestFrame[] = [];
    for (const file of available) frames.push(...(await loadEthernetFrames(file)));
    expect(frames.length).toBeGreaterThan(100);
    const dir = mkdtempSync(path.join(tmpdir(), 'apisensor-mut-'));
    try {
      const file = path.join(dir, 'mutated.pcap');
      const mutated = mutate(frames, 100_000, 0xa9150);
      writePcap(file, 1, mutated);
      const caps = {
        reassembly: { maxConnections: 64, maxBufferedBytesTotal: 256 << 10, maxBufferedBytesPerDirection: 32 << 10, maxBufferedSegmentsPerDirection: 64 },
        http: { maxHeaderBytes: 8 << 10, maxBodySampleBytes: 4 << 10, maxPendingRequests: 8 },
        decode: { maxFragmentDatagrams: 16, maxFragmentBytes: 64 << 10 },
      };
      const result = await replayFiles([file], { workers: 0, ...caps });
      expect(result.error).toBeUndefined();
      const s = result.summary;
      expect(s.packets).toBe(100_000);
      expect(Object.keys(s.events).some((e) => e.startsWith('decode.'))).toBe(true);
      for (const [name, c] of Object.entries(s.caps)) {
        if (c.value >= 0) expect(c.value, name).toBeLessThanOrEqual(c.cap);
      }
      expect(s.caps['reassembly.connections_per_worker']!.capHits).toBeGreaterThan(0);
      expect(s.flowsEvicted).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
