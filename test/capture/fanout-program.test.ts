/**
 * The PACKET_FANOUT_CBPF program (src/capture/fanout-program.ts), run by a
 * test-only interpreter with the kernel's load rules on real captures and on
 * hand-built tunnel frames.
 *
 * Oracle: our packet decoder (itself checked against tshark on every corpus
 * capture in test/decode/corpus-oracle.test.ts). For every TCP packet the
 * decoder names the innermost addresses and ports and the flow key; the
 * program must (1) give every packet of one connection, both directions,
 * the same value, and (2) where it opens the same headers as the decoder,
 * return exactly murmurFinalize(XOR of the address words ^ srcPort ^ dstPort),
 * computed here from the decoder's fields.
 *
 * Outer IPv4 fragments are reassembled before the program runs, as the
 * kernel does for a group with PACKET_FANOUT_FLAG_DEFRAG (ip_check_defrag).
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildFanoutProgram } from '../../src/capture/fanout-program.js';
import { LinkType } from '../../src/capture/raw-frame.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { DecodedPacket, DecodeResult, TunnelKind } from '../../src/decode/decoded-packet.js';
import { EventCounter } from '../../src/stats/event-counter.js';
import { readPcap } from '../decode/read-pcap.js';
import { concat, ethernet, frame, ipv4, ipv6, tcp, u16, u32, udp, ascii } from '../decode/packet-builder.js';
import { CORPUS } from '../decode/corpus.js';
import { runCbpf } from './cbpf-interpreter.js';
import { murmurFinalize } from '../../src/flow/murmur3.js';

const ARPHRD_ETHER = 1;
const ARPHRD_NONE = 0xfffe;
const program = buildFanoutProgram();

/** The documented hash, from the decoder's fields. */
function reference(pkt: DecodedPacket, withPorts = true): number {
  const n = pkt.ipVersion === 4 ? 4 : 16;
  const view = (a: Uint8Array): DataView => new DataView(a.buffer, a.byteOffset, 16);
  let addr = 0;
  for (let i = 0; i < n; i += 4) addr ^= view(pkt.srcAddr).getUint32(i) ^ view(pkt.dstAddr).getUint32(i);
  return murmurFinalize(addr ^ (withPorts ? pkt.srcPort ^ pkt.dstPort : 0));
}

/** Direction-free flow key, as the decoder sees it (tenant tag included). */
function flowKey(pkt: DecodedPacket): string {
  const n = pkt.ipVersion === 4 ? 4 : 16;
  const a = `${Buffer.from(pkt.srcAddr.subarray(0, n)).toString('hex')}:${pkt.srcPort}`;
  const b = `${Buffer.from(pkt.dstAddr.subarray(0, n)).toString('hex')}:${pkt.dstPort}`;
  return `${pkt.tunnelKind}/${pkt.tunnelId}/${pkt.vlanOuter}/${pkt.vlanInner} ${a < b ? `${a} ${b}` : `${b} ${a}`}`;
}

/**
 * The kernel's DEFRAG step for untagged Ethernet + IPv4: a fragment is held;
 * the one that completes the datagram yields the reassembled frame (flags and
 * offset cleared); anything else passes through.
 */
class OuterDefrag {
  #held = new Map<string, Array<{ off: number; data: Uint8Array; last: boolean; head: Uint8Array }>>();

  push(f: Uint8Array): Uint8Array | null {
    if (f.length < 34 || f[12] !== 0x08 || f[13] !== 0x00) return f;
    const ihl = (f[14]! & 0x0f) * 4;
    const fo = (f[20]! << 8) | f[21]!;
    if ((fo & 0x3fff) === 0) return f;
    const key = `${Buffer.from(f.subarray(26, 34)).toString('hex')}/${f[18]}/${f[19]}/${f[23]}`;
    const total = (f[16]! << 8) | f[17]!;
    const parts = this.#held.get(key) ?? [];
    parts.push({ off: (fo & 0x1fff) * 8, data: f.subarray(14 + ihl, 14 + total), last: (fo & 0x2000) === 0, head: f.subarray(0, 14 + ihl) });
    this.#held.set(key, parts);
    parts.sort((x, y) => x.off - y.off);
    let next = 0;
    for (const p of parts) if (p.off === next) next += p.data.length;
    const last = parts.find((p) => p.last);
    if (!last || next !== last.off + last.data.length) return null;
    this.#held.delete(key);
    const first = parts.find((p) => p.off === 0)!;
    const out = concat(first.head, ...parts.map((p) => p.data));
    out[16] = ((out.length - 14) >> 8) & 0xff;
    out[17] = (out.length - 14) & 0xff;
    out[20] = 0;
    out[21] = 0;
    return out;
  }
}

interface CaptureResult {
  tcpPackets: number;
  flows: Map<string, Set<number>>;
  exact: number;
  mismatches: string[];
}

function runCapture(path: string): CaptureResult | null {
  const frames = readPcap(path);
  const linkType = frames[0]?.linkType;
  if (linkType !== LinkType.ETHERNET && linkType !== LinkType.RAW) return null;
  const hatype = linkType === LinkType.ETHERNET ? ARPHRD_ETHER : ARPHRD_NONE;
  const decoder = new PacketDecoder(new EventCounter());
  const pkt = new DecodedPacket();
  const defrag = new OuterDefrag();
  const r: CaptureResult = { tcpPackets: 0, flows: new Map(), exact: 0, mismatches: [] };
  frames.forEach((raw, i) => {
    const data = raw.data.subarray(0, raw.capturedLength);
    const seen = linkType === LinkType.ETHERNET ? defrag.push(data) : data;
    if (decoder.decode(raw, pkt) !== DecodeResult.TCP) return;
    if (seen === null) throw new Error(`${path} frame ${i + 1}: TCP decoded from a fragment the kernel would still hold`);
    const h = runCbpf(program, seen, hatype);
    r.tcpPackets++;
    const key = flowKey(pkt);
    const set = r.flows.get(key) ?? new Set<number>();
    set.add(h);
    r.flows.set(key, set);
    if (h === reference(pkt)) r.exact++;
    else r.mismatches.push(`frame ${i + 1}`);
  });
  return r;
}

function pcapFiles(dir: string, depth: number): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory() && depth > 0) out.push(...pcapFiles(p, depth - 1));
    else if (st.isFile() && st.size > 24) {
      const head = readFileSync(p).subarray(0, 4).toString('hex');
      if (['d4c3b2a1', 'a1b2c3d4', '4d3cb2a1', 'a1b23c4d'].includes(head)) out.push(p);
    }
  }
  return out;
}

/** Captures whose every TCP packet is inside headers the program opens: exact values expected. */
const EXACT = [
  'zeek/vxlan-encapsulated-http',
  'suricata-verify/vxlan-non-zero-reserved-fields',
  'zeek/geneve-many-options',
  'zeek/erspan',
  'zeek/gre-over-udp-4754',
  'zeek/http-vlan-0',
  'tcpreplay/test.rewrite_vlan802.1ad',
  'arkime/v6-http',
  'zeek/ipv6-http-atomic-frag',
  'zeek/snap-tcp',
];

/** Our own captures (plain Ethernet, loopback-recorded): exact values expected. */
const OWN = ['pcaps/own/', 'pcaps/attacks/', 'pcaps/inventory/', 'pcaps/formats/'];

/**
 * Tunnels the program does not open, whose outer header differs per
 * direction: the two directions of the inner connection may split. Pinned so
 * that a change of the program or the corpus shows here.
 */
const KNOWN_SPLIT: Record<string, string> = {
  gtp2_different_udp_port: 'GTP-U (UDP 2152) with a different outer source port per direction',
};

describe('fanout program: both directions of every connection get one value (real captures)', () => {
  const files = [...pcapFiles(CORPUS, 2), ...pcapFiles('pcaps', 3)];
  it.skipIf(!existsSync(CORPUS))('found the corpus captures', () => {
    expect(files.length).toBeGreaterThan(50);
  });
  for (const path of files) {
    it(path, () => {
      const r = runCapture(path);
      if (r === null) return; // not a link type AF_PACKET mode captures
      const split = [...r.flows].filter(([, hashes]) => hashes.size > 1).map(([k, hashes]) => `${k}: ${[...hashes].join(',')}`);
      const known = Object.keys(KNOWN_SPLIT).find((c) => path.includes(`/${c}/`));
      if (known) expect(split.length).toBeGreaterThan(0);
      else expect(split).toEqual([]);
      if (EXACT.some((c) => path.includes(`${c}/`)) || OWN.some((d) => path.startsWith(d))) {
        expect(r.mismatches).toEqual([]);
        expect(r.exact).toBe(r.tcpPackets);
      }
    });
  }

  it.skipIf(!existsSync(join(CORPUS, 'zeek/erspan')))('spreads the 5 connections of one GRE mirror session (one outer address pair) over the sockets', () => {
    const r = runCapture(join(CORPUS, 'zeek/erspan/erspan.pcap'))!;
    const values = [...r.flows.values()].map((s) => [...s][0]!);
    expect(r.flows.size).toBe(5);
    expect(new Set(values.map((v) => v % 2)).size).toBe(2);
    expect(new Set(values.map((v) => v % 4)).size).toBeGreaterThan(2);
  });
});

describe('fanout program: hand-built tunnel frames (layouts from the RFCs / draft-foschiano-erspan-03)', () => {
  const inner = (rev: boolean): Uint8Array =>
    ethernet(0x0800, ipv4({ src: rev ? '192.168.7.2' : '172.16.1.10', dst: rev ? '172.16.1.10' : '192.168.7.2', proto: 6 }, tcp({ sport: rev ? 443 : 51000, dport: rev ? 51000 : 443 }, ascii('GET / HTTP/1.1\r\n'))));
  const innerIp6 = (rev: boolean): Uint8Array =>
    ipv6({ src: rev ? '2001:db8:9::2' : '2001:db8:1::a', dst: rev ? '2001:db8:1::a' : '2001:db8:9::2', next: 6 }, tcp({ sport: rev ? 80 : 40001, dport: rev ? 40001 : 80 }));
  /** Outer IPv4 from one mirror source to the collector: the same for both directions. */
  const outer = (proto: number, payload: Uint8Array): Uint8Array => ethernet(0x0800, ipv4({ src: '10.200.0.3', dst: '10.200.0.224', proto }, payload));
  const vxlan = (sport: number, f: Uint8Array): Uint8Array => outer(17, udp(sport, 4789, concat([0x08, 0, 0, 0], u32(0x00123400), f)));
  const gre = (flags: number, proto: number, payload: Uint8Array): Uint8Array => {
    const words: number[] = [];
    if (flags & 0x8000) words.push(...u32(0xbeef0000));
    if (flags & 0x2000) words.push(...u32(77));
    if (flags & 0x1000) words.push(...u32(5));
    return outer(47, concat(u16(flags), u16(proto), words, payload));
  };
  const erspan2 = (f: Uint8Array): Uint8Array => concat(u16(0x1000), u16(0x0000 | 100), u32(0), f);
  const erspan3 = (o: boolean, ft: number, f: Uint8Array): Uint8Array =>
    concat(u16(0x2000), u16(100), u32(0x01020304), u16(0), u16((ft << 10) | (o ? 1 : 0)), o ? u32(0xaaaaaaaa).concat(u32(0xbbbbbbbb)) : [], f);
  const geneve = (sport: number, optWords: number, proto: number, f: Uint8Array): Uint8Array =>
    outer(17, udp(sport, 6081, concat([optWords & 0x3f, 0], u16(proto), u32(0x00abcd00), new Array<number>(optWords * 4).fill(0x5a), f)));

  /** Program value and decoder reference for one frame; asserts the decoder saw TCP. */
  const both = (data: Uint8Array, hatype = ARPHRD_ETHER): { h: number; ref: number; kind: number } => {
    const pkt = new DecodedPacket();
    const link = hatype === ARPHRD_NONE ? LinkType.RAW : LinkType.ETHERNET;
    expect(new PacketDecoder(new EventCounter()).decode(frame(link, data), pkt)).toBe(DecodeResult.TCP);
    return { h: runCbpf(program, data, hatype), ref: reference(pkt), kind: pkt.tunnelKind };
  };

  const cases: Array<[string, (rev: boolean) => Uint8Array, number]> = [
    ['VXLAN, outer UDP source port differing per direction', (rev) => vxlan(rev ? 61002 : 49153, inner(rev)), TunnelKind.VXLAN],
    ['GENEVE, 3 option words, Ethernet inside', (rev) => geneve(rev ? 1234 : 5678, 3, 0x6558, inner(rev)), TunnelKind.GENEVE],
    ['GENEVE, no options, IPv6 inside', (rev) => geneve(rev ? 1 : 2, 0, 0x86dd, innerIp6(rev)), TunnelKind.GENEVE],
    ['GRE TEB with checksum, key and sequence words', (rev) => gre(0xb000, 0x6558, inner(rev)), TunnelKind.GRE],
    ['GRE carrying IPv6 directly', (rev) => gre(0x2000, 0x86dd, innerIp6(rev)), TunnelKind.GRE],
    ['ERSPAN type I (0x88BE, no sequence)', (rev) => gre(0x0000, 0x88be, inner(rev)), TunnelKind.ERSPAN],
    ['ERSPAN type II (0x88BE + sequence, 8-byte header)', (rev) => gre(0x1000, 0x88be, erspan2(inner(rev))), TunnelKind.ERSPAN],
    ['ERSPAN type III, no subheader', (rev) => gre(0x1000, 0x22eb, erspan3(false, 0, inner(rev))), TunnelKind.ERSPAN],
    ['ERSPAN type III, O bit: 8-byte platform subheader', (rev) => gre(0x1000, 0x22eb, erspan3(true, 0, inner(rev))), TunnelKind.ERSPAN],
    ['ERSPAN type III, frame type 2 (IP)', (rev) => gre(0x1000, 0x22eb, erspan3(true, 2, innerIp6(rev))), TunnelKind.ERSPAN],
    ['802.1ad + 802.1Q around VXLAN', (rev) => concat(vxlan(rev ? 3 : 4, inner(rev)).subarray(0, 12), u16(0x88a8), u16(10), u16(0x8100), u16(20), vxlan(rev ? 3 : 4, inner(rev)).subarray(12)), TunnelKind.VXLAN],
    ['IPv4 options in the outer header', (rev) => ethernet(0x0800, ipv4({ src: '10.200.0.3', dst: '10.200.0.224', proto: 17, options: [1, 1, 1, 0] }, udp(rev ? 9 : 10, 4789, concat([8, 0, 0, 0], u32(0x100), inner(rev))))), TunnelKind.VXLAN],
  ];
  for (const [name, build, kind] of cases) {
    it(name, () => {
      const fwd = both(build(false));
      const rev = both(build(true));
      expect(fwd.kind).toBe(kind);
      expect(fwd.h).toBe(fwd.ref);
      expect(rev.h).toBe(rev.ref);
      expect(rev.h).toBe(fwd.h);
    });
  }

  it('raw-IP link (tun, ARPHRD_NONE) is parsed from the IP header', () => {
    const a = both(ipv4({ src: '10.1.0.1', dst: '10.1.0.2', proto: 6 }, tcp({ sport: 1025, dport: 8080 })), ARPHRD_NONE);
    const b = both(ipv4({ src: '10.1.0.2', dst: '10.1.0.1', proto: 6 }, tcp({ sport: 8080, dport: 1025 })), ARPHRD_NONE);
    expect(a.h).toBe(a.ref);
    expect(b.h).toBe(a.h);
  });

  it('an inner IPv4 fragment hashes its addresses only', () => {
    const fragment = vxlan(7, ethernet(0x0800, ipv4({ src: '172.16.1.10', dst: '192.168.7.2', proto: 6, more: true, id: 9 }, tcp({ sport: 51000, dport: 443 }))));
    const addrOnly = murmurFinalize(0xac10010a ^ 0xc0a80702);
    expect(runCbpf(program, fragment)).toBe(addrOnly);
  });

  it('three VLAN tags and ARP: a constant from the ethertype; a cut-off packet: 0', () => {
    const tags = concat(inner(false).subarray(0, 12), u16(0x8100), u16(1), u16(0x8100), u16(2), u16(0x8100), u16(3), inner(false).subarray(12));
    expect(runCbpf(program, tags)).toBe(murmurFinalize(0x8100));
    expect(runCbpf(program, ethernet(0x0806, new Uint8Array(28)))).toBe(murmurFinalize(0x0806));
    expect(runCbpf(program, vxlan(5, inner(false)).subarray(0, 60))).toBe(0);
  });

  it('takes the tunnel ports from the options, like the decoder', () => {
    const custom = buildFanoutProgram({ vxlanPorts: [8472], genevePorts: [] });
    const f = outer(17, udp(30000, 8472, concat([8, 0, 0, 0], u32(0x100), inner(false))));
    const pkt = new DecodedPacket();
    expect(new PacketDecoder(new EventCounter(), { vxlanPorts: [8472] }).decode(frame(LinkType.ETHERNET, f), pkt)).toBe(DecodeResult.TCP);
    expect(runCbpf(custom, f)).toBe(reference(pkt));
    expect(runCbpf(program, f)).not.toBe(reference(pkt));
    expect(() => buildFanoutProgram({ vxlanPorts: [70000] })).toThrow(RangeError);
    // The longest program (16 ports per list) still assembles: every conditional jump within 255.
    const many = Array.from({ length: 16 }, (_, i) => 10000 + i);
    const longest = buildFanoutProgram({ vxlanPorts: many, genevePorts: many.map((p) => p + 100), greUdpPorts: many.map((p) => p + 200) });
    expect(longest.length).toBeLessThan(4096);
    expect(runCbpf(longest, outer(17, udp(1, 10015, concat([8, 0, 0, 0], u32(0x100), inner(false)))))).toBe(runCbpf(program, inner(false)));
  });
});
