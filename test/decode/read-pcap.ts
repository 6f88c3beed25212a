/**
 * Test helper: read a classic pcap file (either byte order, microsecond or
 * nanosecond magic) into RawFrame objects. Not a capture reader: no pcapng,
 * no compression, whole file in memory.
 */
import { readFileSync } from 'node:fs';
import type { RawFrame } from '../../src/capture/raw-frame.js';

const MAGIC_USEC = 0xa1b2c3d4;
const MAGIC_NSEC = 0xa1b23c4d;
const GLOBAL_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;

export function readPcap(path: string): RawFrame[] {
  const file = readFileSync(path);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let little: boolean;
  const magicLe = view.getUint32(0, true);
  const magicBe = view.getUint32(0, false);
  if (magicLe === MAGIC_USEC || magicLe === MAGIC_NSEC) little = true;
  else if (magicBe === MAGIC_USEC || magicBe === MAGIC_NSEC) little = false;
  else throw new Error(`${path}: not a classic pcap file`);
  const nanos = (little ? magicLe : magicBe) === MAGIC_NSEC;
  const linkType = view.getUint32(20, little) & 0x0fffffff;
  const frames: RawFrame[] = [];
  let o = GLOBAL_HEADER_LENGTH;
  while (o + RECORD_HEADER_LENGTH <= file.length) {
    const tsSec = view.getUint32(o, little);
    const frac = view.getUint32(o + 4, little);
    const capturedLength = view.getUint32(o + 8, little);
    const originalLength = view.getUint32(o + 12, little);
    o += RECORD_HEADER_LENGTH;
    if (o + capturedLength > file.length) break;
    frames.push({
      linkType,
      tsSec,
      tsNsec: nanos ? frac : frac * 1000,
      capturedLength,
      originalLength,
      interfaceId: 0,
      data: new Uint8Array(file.buffer, file.byteOffset + o, capturedLength),
    });
    o += capturedLength;
  }
  return frames;
}
