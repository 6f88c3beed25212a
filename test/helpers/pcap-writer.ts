/**
 * Test helper: writes a classic little-endian microsecond pcap file
 * (draft-ietf-opsawg-pcap §4: 24-byte file header, 16-byte record headers).
 */
import { writeFileSync } from 'node:fs';
import { SeededRandom } from '../bench/seeded-random.js';

export interface TestFrame {
  tsSec: number;
  tsUsec: number;
  data: Uint8Array;
  originalLength?: number;
}

export function writePcap(path: string, linkType: number, frames: TestFrame[], snapLength = 262144): void {
  let size = 24;
  for (const f of frames) size += 16 + f.data.length;
  const out = Buffer.alloc(size);
  out.writeUInt32LE(0xa1b2c3d4, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  out.writeUInt32LE(snapLength, 16);
  out.writeUInt32LE(linkType, 20);
  let o = 24;
  for (const f of frames) {
    out.writeUInt32LE(f.tsSec >>> 0, o);
    out.writeUInt32LE(f.tsUsec >>> 0, o + 4);
    out.writeUInt32LE(f.data.length, o + 8);
    out.writeUInt32LE(Math.max(f.originalLength ?? f.data.length, f.data.length), o + 12);
    out.set(f.data, o + 16);
    o += 16 + f.data.length;
  }
  writeFileSync(path, out);
}

/** Deterministic PRNG (mulberry32, shared with the benchmark generator) so mutation tests replay identically. */
export function mulberry32(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}
