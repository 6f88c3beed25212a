/**
 * Test helper: build packets byte by byte (layouts from the RFCs quoted in
 * src/decode) and write them to a classic pcap file so tshark can be the
 * oracle for hand-built frames too. Checksums are left 0 (neither tshark nor
 * the decoder verifies them by default).
 */
import { writeFileSync } from 'node:fs';
import type { RawFrame } from '../../src/capture/raw-frame.js';

export const concat = (...parts: Array<Uint8Array | number[]>): Uint8Array => {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

export const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
export const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
export const ip4 = (text: string): number[] => text.split('.').map(Number);
export function ip6(text: string): number[] {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => u16(parseInt(g, 16)));
}

/** Ethernet II: dst 02:00:00:00:00:02, src 02:00:00:00:00:01. */
export const ethernet = (etherType: number, payload: Uint8Array): Uint8Array =>
  concat([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1], u16(etherType), payload);

export interface Ipv4Spec {
  src?: string;
  dst?: string;
  proto: number;
  id?: number;
  /** Fragment offset in bytes (multiple of 8). */
  fragOffset?: number;
  more?: boolean;
  options?: number[];
  /** Override the total length field. */
  totalLength?: number;
  /** Override the IHL nibble. */
  ihl?: number;
}

export function ipv4(spec: Ipv4Spec, payload: Uint8Array): Uint8Array {
  const options = spec.options ?? [];
  const hlen = 20 + options.length;
  const ihl = spec.ihl ?? hlen / 4;
  const flagsOffset = (spec.more ? 0x2000 : 0) | ((spec.fragOffset ?? 0) / 8);
  return concat(
    [0x40 | ihl, 0], u16(spec.totalLength ?? hlen + payload.length), u16(spec.id ?? 1), u16(flagsOffset),
    [64, spec.proto], [0, 0], ip4(spec.src ?? '10.0.0.1'), ip4(spec.dst ?? '10.0.0.2'), options, payload,
  );
}

export function ipv6(spec: { src?: string; dst?: string; next: number; payloadLength?: number }, payload: Uint8Array): Uint8Array {
  return concat([0x60, 0, 0, 0], u16(spec.payloadLength ?? payload.length), [spec.next, 64],
    ip6(spec.src ?? '2001:db8::1'), ip6(spec.dst ?? '2001:db8::2'), payload);
}

export interface TcpSpec {
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  flags?: number;
  options?: number[];
  /** Override the data offset nibble. */
  dataOffset?: number;
}

export function tcp(spec: TcpSpec, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const options = spec.options ?? [];
  const doff = spec.dataOffset ?? (20 + options.length) / 4;
  return concat(u16(spec.sport ?? 40000), u16(spec.dport ?? 80), u32(spec.seq ?? 1000), u32(spec.ack ?? 0),
    [doff << 4, spec.flags ?? 0x18], u16(65535), [0, 0, 0, 0], options, payload);
}

export const udp = (sport: number, dport: number, payload: Uint8Array): Uint8Array =>
  concat(u16(sport), u16(dport), u16(8 + payload.length), [0, 0], payload);

export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A RawFrame holding `data` (all captured unless `originalLength` says more was on the wire). */
export function frame(linkType: number, data: Uint8Array, tsSec = 1_700_000_000, originalLength = data.length): RawFrame {
  return { linkType, tsSec, tsNsec: 0, capturedLength: data.length, originalLength, interfaceId: 0, data };
}

/** Write frames (all of one link type) as a little-endian microsecond pcap. */
export function writePcap(path: string, linkType: number, frames: Uint8Array[]): void {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(linkType, 20);
  const parts: Buffer[] = [header];
  frames.forEach((data, i) => {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_700_000_000 + i, 0);
    rec.writeUInt32LE(data.length, 8);
    rec.writeUInt32LE(data.length, 12);
    parts.push(rec, Buffer.from(data));
  });
  writeFileSync(path, Buffer.concat(parts));
}
