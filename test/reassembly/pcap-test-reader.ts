/**
 * Test helper: a minimal classic-pcap reader with an Ethernet(+802.1Q) /
 * IPv4 / TCP decoder filling a DecodedPacket. Only for tests on small
 * captures; the real reader and decoder live in src/capture and src/decode.
 *
 * pcap layout (libpcap file format): 24-byte global header (magic
 * 0xa1b2c3d4 µs or 0xa1b23c4d ns, either byte order; link type at byte 20),
 * then per record a 16-byte header (ts_sec, ts_frac, incl_len, orig_len).
 */
import { readFileSync } from 'node:fs';
import { DecodedPacket } from '../../src/decode/decoded-packet.js';
import type { PacketContext } from '../../src/reassembly/connection-handler.js';

const LINKTYPE_ETHERNET = 1;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_VLAN = 0x8100;
const IPPROTO_TCP = 6;

/** Calls `onTcp` for every Ethernet/IPv4/TCP frame; the packet and ctx objects are reused. */
export function readTcpPackets(file: string, onTcp: (pkt: DecodedPacket, ctx: PacketContext) => void): number {
  const buf = readFileSync(file);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0, true);
  let le: boolean;
  let nanos: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (dv.getUint32(0, false) === 0xa1b2c3d4 || dv.getUint32(0, false) === 0xa1b23c4d) le = false;
  else throw new Error(`${file}: not a classic pcap file`);
  nanos = dv.getUint32(0, le) === 0xa1b23c4d;
  const linkType = dv.getUint32(20, le) & 0xffff;
  if (linkType !== LINKTYPE_ETHERNET) throw new Error(`${file}: link type ${linkType} not supported by this test helper`);
  const pkt = new DecodedPacket();
  const ctx: PacketContext = { tsSec: 0, tsNsec: 0, packetIndex: 0, peerAckOffset: -1 };
  let off = 24;
  let index = 0;
  while (off + 16 <= buf.length) {
    const tsSec = dv.getUint32(off, le);
    const frac = dv.getUint32(off + 4, le);
    const incl = dv.getUint32(off + 8, le);
    const frame = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    ctx.tsSec = tsSec;
    ctx.tsNsec = nanos ? frac : frac * 1000;
    ctx.packetIndex = index++;
    if (decodeEthernetIpv4Tcp(frame, pkt)) onTcp(pkt, ctx);
  }
  return index;
}

function decodeEthernetIpv4Tcp(f: Uint8Array, pkt: DecodedPacket): boolean {
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  let off = 12;
  let etherType = dv.getUint16(off);
  pkt.vlanOuter = 0;
  pkt.vlanInner = 0;
  if (etherType === ETHERTYPE_VLAN) {
    pkt.vlanOuter = dv.getUint16(off + 2) & 0x0fff;
    off += 4;
    etherType = dv.getUint16(off);
  }
  off += 2;
  if (etherType !== ETHERTYPE_IPV4) return false;
  const ihl = (f[off]! & 0x0f) * 4;
  const totalLength = dv.getUint16(off + 2);
  if (f[off + 9] !== IPPROTO_TCP) return false;
  pkt.ipVersion = 4;
  pkt.srcAddr.fill(0);
  pkt.dstAddr.fill(0);
  pkt.srcAddr.set(f.subarray(off + 12, off + 16));
  pkt.dstAddr.set(f.subarray(off + 16, off + 20));
  const t = off + ihl;
  pkt.srcPort = dv.getUint16(t);
  pkt.dstPort = dv.getUint16(t + 2);
  pkt.seq = dv.getUint32(t + 4);
  pkt.ack = dv.getUint32(t + 8);
  const dataOffset = (f[t + 12]! >> 4) * 4;
  pkt.tcpFlags = f[t + 13]!;
  pkt.window = dv.getUint16(t + 14);
  const payloadStart = t + dataOffset;
  const wire = totalLength - ihl - dataOffset;
  pkt.payload = f.subarray(payloadStart, Math.min(f.length, payloadStart + wire));
  pkt.payloadWireLength = wire;
  pkt.tunnelKind = 0;
  pkt.tunnelId = 0;
  pkt.frameLength = f.length;
  return true;
}

/**
 * Parse `tshark -q -z follow,tcp,raw,N` output: node 0/1 endpoints and the
 * concatenated hex of each direction (lines starting with a tab are node 1).
 */
export function parseFollowRaw(text: string): { node0: string; node1: string; hex: [string, string] } {
  const lines = text.split('\n');
  const node0 = lines.find((l) => l.startsWith('Node 0: '))!.slice(8);
  const node1 = lines.find((l) => l.startsWith('Node 1: '))!.slice(8);
  const start = lines.findIndex((l) => l.startsWith('Node 1: ')) + 1;
  const hex: [string, string] = ['', ''];
  for (let i = start; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('=====')) break;
    if (l.length === 0) continue;
    if (l.startsWith('\t')) hex[1] += l.slice(1).trim();
    else hex[0] += l.trim();
  }
  return { node0, node1, hex };
}
