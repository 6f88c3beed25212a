/**
 * Hand-built frames for every link type and encapsulation the corpus lacks
 * (layouts from the RFCs / tcpdump.org link-type pages quoted in src/decode),
 * each written to a one-frame pcap and dissected by tshark: our innermost
 * 5-tuple, raw seq, TCP length and tunnel id must equal tshark's, and the
 * tunnel kind is the outermost tunnel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DecodedPacket, DecodeResult, TunnelKind } from '../../src/decode/decoded-packet.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { EventCounter } from '../../src/stats/event-counter.js';
import { haveTshark } from './corpus.js';
import {
  ascii, concat, ethernet, frame, ip6, ipv4, ipv6, tcp, u16, u32, udp, writePcap,
} from './packet-builder.js';
import { addressText, tsharkTcpFrames, tsharkFields } from './tshark-oracle.js';

const http = ascii('GET /synthetic HTTP/1.1\r\nHost: example\r\n\r\n');
const seg = (): Uint8Array => tcp({ sport: 40001, dport: 80, seq: 0x01020304 }, http);
const inner4 = (): Uint8Array => ipv4({ proto: 6, src: '192.0.2.10', dst: '192.0.2.20' }, seg());
const inner6 = (): Uint8Array => ipv6({ next: 6, src: '2001:db8:1::10', dst: '2001:db8:2::20' }, seg());
const innerEth4 = (): Uint8Array => ethernet(0x0800, inner4());
const outer4 = (proto: number, payload: Uint8Array): Uint8Array =>
  ethernet(0x0800, ipv4({ proto, src: '10.1.1.1', dst: '10.2.2.2' }, payload));
const outerUdp = (sport: number, dport: number, payload: Uint8Array): Uint8Array => outer4(17, udp(sport, dport, payload));
const gre = (flags: number, protocol: number, extra: number[], payload: Uint8Array): Uint8Array =>
  concat([flags, 0], u16(protocol), extra, payload);

interface Case {
  name: string;
  linkType: number;
  data: Uint8Array;
  kind: number;
  /** tshark field that holds the tunnel id; omitted: id must be 0. */
  idField?: string;
  /**
   * tshark field of a directional id in the header (GRE key, GTP TEID, MPLS
   * label): tshark must show it, our id must be 0, since directional
   * identifiers are not part of the flow key (DecodedPacket.tunnelId).
   */
  directionalField?: string;
  vlan?: [number, number];
}

const LINK = { NULL: 0, ETHERNET: 1, RAW: 101, C_HDLC: 104, WLAN: 105, LOOP: 108, SLL: 113, IPV4: 228, IPV6: 229 };
const NONE = TunnelKind.NONE;

const cases: Case[] = [
  { name: 'NULL AF_INET little-endian', linkType: LINK.NULL, data: concat([2, 0, 0, 0], inner4()), kind: NONE },
  { name: 'NULL AF_INET6=24 little-endian', linkType: LINK.NULL, data: concat([24, 0, 0, 0], inner6()), kind: NONE },
  { name: 'NULL AF_INET6=28 big-endian', linkType: LINK.NULL, data: concat([0, 0, 0, 28], inner6()), kind: NONE },
  { name: 'NULL AF_INET6=30 big-endian', linkType: LINK.NULL, data: concat([0, 0, 0, 30], inner6()), kind: NONE },
  { name: 'LOOP AF_INET6=30', linkType: LINK.LOOP, data: concat([0, 0, 0, 30], inner6()), kind: NONE },
  { name: 'LOOP AF_INET', linkType: LINK.LOOP, data: concat([0, 0, 0, 2], inner4()), kind: NONE },
  { name: 'raw IP (101) IPv6', linkType: LINK.RAW, data: inner6(), kind: NONE },
  { name: 'LINKTYPE_IPV4 (228)', linkType: LINK.IPV4, data: inner4(), kind: NONE },
  { name: 'LINKTYPE_IPV6 (229)', linkType: LINK.IPV6, data: inner6(), kind: NONE },
  { name: 'Cisco HDLC IPv6', linkType: LINK.C_HDLC, data: concat([0x0f, 0, 0x86, 0xdd], inner6()), kind: NONE },
  {
    name: 'Linux SLL IPv6',
    linkType: LINK.SLL,
    data: concat(u16(0), u16(1), u16(6), [2, 0, 0, 0, 0, 1, 0, 0], u16(0x86dd), inner6()),
    kind: NONE,
  },
  {
    name: '802.11 data frame, LLC/SNAP',
    linkType: LINK.WLAN,
    data: concat([0x08, 0x02], u16(0), Array(18).fill(1), u16(0), [0xaa, 0xaa, 3, 0, 0, 0], u16(0x0800), inner4()),
    kind: NONE,
  },
  {
    name: '802.11 QoS data, 4 addresses, +HTC',
    linkType: LINK.WLAN,
    data: concat([0x88, 0x83], u16(0), Array(18).fill(1), u16(0), Array(6).fill(3), [0, 0], [0, 0, 0, 0],
      [0xaa, 0xaa, 3, 0, 0, 0], u16(0x86dd), inner6()),
    kind: NONE,
  },
  { name: 'IPv4 with options (IHL 7)', linkType: LINK.ETHERNET, data: ethernet(0x0800, ipv4({ proto: 6, options: [1, 1, 1, 1, 0x94, 4, 0, 0] }, seg())), kind: NONE },
  {
    name: 'IPv6 hop-by-hop, routing, destination options, AH',
    linkType: LINK.ETHERNET,
    data: ethernet(0x86dd, ipv6({ next: 0 }, concat(
      [43, 0, 1, 4, 0, 0, 0, 0],
      [60, 0, 0, 0, 0, 0, 0, 0],
      [51, 1, 1, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      [6, 4], [0, 0], u32(0x1234), u32(1), u32(0), u32(0), u32(0),
      seg()))),
    kind: NONE,
  },
  {
    name: 'QinQ 802.1ad + 802.1Q + 802.1Q',
    linkType: LINK.ETHERNET,
    data: ethernet(0x88a8, concat(u16(100), u16(0x8100), u16(0x2000 | 200), u16(0x8100), u16(300), u16(0x0800), inner4())),
    kind: NONE,
    vlan: [100, 200],
  },
  {
    name: 'MPLS two labels then IPv6',
    linkType: LINK.ETHERNET,
    data: ethernet(0x8847, concat([0x00, 0x06, 0x40, 64], [0x00, 0x0c, 0x81, 64], inner6())),
    kind: TunnelKind.MPLS,
    directionalField: 'mpls.label',
  },
  {
    name: 'PPPoE session, PPP IPv6',
    linkType: LINK.ETHERNET,
    data: ethernet(0x8864, concat([0x11, 0], u16(0x1234), u16(inner6().length + 2), u16(0x0057), inner6())),
    kind: NONE,
  },
  { name: 'IPv4 in IPv4', linkType: LINK.ETHERNET, data: outer4(4, inner4()), kind: TunnelKind.IP_IN_IP },
  { name: 'IPv6 in IPv4', linkType: LINK.ETHERNET, data: outer4(41, inner6()), kind: TunnelKind.IP_IN_IP },
  { name: 'IPv4 in IPv6', linkType: LINK.ETHERNET, data: ethernet(0x86dd, ipv6({ next: 4 }, inner4())), kind: TunnelKind.IP_IN_IP },
  { name: 'IPv6 in IPv6', linkType: LINK.ETHERNET, data: ethernet(0x86dd, ipv6({ next: 41 }, inner6())), kind: TunnelKind.IP_IN_IP },
  {
    name: 'GRE checksum + key + sequence, IPv6',
    linkType: LINK.ETHERNET,
    data: outer4(47, gre(0xb0, 0x86dd, [0, 0, 0, 0, ...u32(0xabcdef01), ...u32(7)], inner6())),
    kind: TunnelKind.GRE,
    directionalField: 'gre.key',
  },
  {
    name: 'GRE transparent Ethernet bridging',
    linkType: LINK.ETHERNET,
    data: outer4(47, gre(0x20, 0x6558, u32(42), innerEth4())),
    kind: TunnelKind.GRE,
    directionalField: 'gre.key',
  },
  {
    name: 'ERSPAN type II (GRE sequence bit set)',
    linkType: LINK.ETHERNET,
    data: outer4(47, gre(0x10, 0x88be, u32(1), concat([0x10, 0x0a], u16(0x0155), u32(0), innerEth4()))),
    kind: TunnelKind.ERSPAN,
    idField: 'erspan.spanid',
  },
  {
    name: 'ERSPAN type I (GRE sequence bit clear, no header)',
    linkType: LINK.ETHERNET,
    data: outer4(47, gre(0x00, 0x88be, [], innerEth4())),
    kind: TunnelKind.ERSPAN,
  },
  {
    name: 'ERSPAN type III with platform subheader',
    linkType: LINK.ETHERNET,
    data: outer4(47, gre(0x10, 0x22eb, u32(1), concat([0x20, 0x0a], u16(0x0077), u32(12345), u16(0), u16(0x0001), Array(8).fill(0), innerEth4()))),
    kind: TunnelKind.ERSPAN,
    idField: 'erspan.spanid',
  },
  {
    name: 'VXLAN with an inner VLAN tag',
    linkType: LINK.ETHERNET,
    data: outerUdp(50000, 4789, concat([0x08, 0, 0, 0], u32(0x123456 << 8), ethernet(0x8100, concat(u16(55), u16(0x0800), inner4())))),
    kind: TunnelKind.VXLAN,
    idField: 'vxlan.vni',
    vlan: [55, 0],
  },
  {
    name: 'GENEVE with one option, protocol IPv4',
    linkType: LINK.ETHERNET,
    data: outerUdp(50000, 6081, concat([0x02, 0], u16(0x0800), u32(0x00abcd << 8), u16(0x0101), [0x80, 0x01], u32(0xdeadbeef), inner4())),
    kind: TunnelKind.GENEVE,
    idField: 'geneve.vni',
  },
  {
    name: 'GRE in UDP (4754), IPv4',
    linkType: LINK.ETHERNET,
    data: outerUdp(50000, 4754, gre(0x00, 0x0800, [], inner4())),
    kind: TunnelKind.GRE,
  },
  {
    name: 'Teredo with authentication and origin indication',
    linkType: LINK.ETHERNET,
    data: outerUdp(3544, 50000, concat(u16(1), [2, 0], [0x61, 0x62], Array(8).fill(9), [0], u16(0), u16(0xffff), [0xff, 0xff, 0xff, 0xfe], inner6())),
    kind: TunnelKind.TEREDO,
  },
  {
    name: 'AYIYA forwarding IPv6',
    linkType: LINK.ETHERNET,
    data: outerUdp(5072, 5072, concat([0x41, 0x52, 0x11, 41], u32(1_700_000_000), ip6('2001:db8::99'), Array(20).fill(0), inner6())),
    kind: TunnelKind.AYIYA,
  },
  {
    name: 'GTP-U with sequence and an extension header',
    linkType: LINK.ETHERNET,
    data: outerUdp(2152, 2152, concat([0x36, 0xff], u16(4 + 4 + inner4().length), u32(0x1020304), u16(1), [0, 0x85], [1, 0x10, 0x05, 0], inner4())),
    kind: TunnelKind.GTP,
    directionalField: 'gtp.teid',
  },
  {
    name: 'VXLAN, then GRE inside: outermost tunnel recorded',
    linkType: LINK.ETHERNET,
    data: outerUdp(50000, 4789, concat([0x08, 0, 0, 0], u32(7 << 8), ethernet(0x0800, ipv4({ proto: 47 }, gre(0x20, 0x0800, u32(99), inner4()))))),
    kind: TunnelKind.VXLAN,
    idField: 'vxlan.vni',
  },
];

const dir = mkdtempSync(join(tmpdir(), 'decode-synthetic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hand-built frames decode to their innermost TCP segment', () => {
  cases.forEach((c, i) => {
    it(c.name, () => {
      const events = new EventCounter();
      const out = new DecodedPacket();
      const result = new PacketDecoder(events).decode(frame(c.linkType, c.data), out);
      expect(events.toJSON()).toEqual({});
      expect(result).toBe(DecodeResult.TCP);
      expect(out.tunnelKind).toBe(c.kind);
      expect([out.vlanOuter, out.vlanInner]).toEqual(c.vlan ?? [0, 0]);
      expect(Buffer.from(out.payload).toString('latin1')).toBe(Buffer.from(http).toString('latin1'));
      if (!haveTshark) return;
      const path = join(dir, `case-${i}.pcap`);
      writePcap(path, c.linkType, [c.data]);
      const [row] = tsharkTcpFrames(path).rows;
      expect(row, 'tshark dissects the hand-built frame').toBeDefined();
      expect(`${addressText(out.srcAddr, out.ipVersion)} ${addressText(out.dstAddr, out.ipVersion)} ${out.srcPort} ${out.dstPort} ${out.seq} ${out.payloadWireLength}`)
        .toBe(`${row!.src} ${row!.dst} ${row!.srcPort} ${row!.dstPort} ${row!.seqRaw} ${row!.tcpLen}`);
      const expectedId = c.idField ? Number(tsharkFields(path, 'tcp', [c.idField])[0]![0]!.split(',')[0]) : 0;
      expect(out.tunnelId).toBe(expectedId);
      if (c.directionalField) expect(tsharkFields(path, 'tcp', [c.directionalField])[0]![0]).not.toBe('');
    });
  });
});

describe('NFLOG TLVs in either byte order', () => {
  // Header: family AF_INET, version 0, resource id 0 (big-endian); then a
  // prefix TLV (type 10, 8 bytes) and the payload TLV (type 9).
  const body = inner4();
  const tlvs = (le: boolean): Uint8Array => {
    const h = (v: number): number[] => (le ? [v & 0xff, v >> 8] : [v >> 8, v & 0xff]);
    const pad = (4 - (body.length % 4)) % 4;
    return concat([2, 0, 0, 0], h(8), h(10), [0x61, 0x62, 0x63, 0], h(4 + body.length), h(9), body, Array(pad).fill(0));
  };
  for (const le of [true, false]) {
    it(le ? 'little-endian' : 'big-endian', () => {
      const events = new EventCounter();
      const out = new DecodedPacket();
      expect(new PacketDecoder(events).decode(frame(239, tlvs(le)), out)).toBe(DecodeResult.TCP);
      expect(events.toJSON()).toEqual({});
      expect([addressText(out.srcAddr, 4), addressText(out.dstAddr, 4), out.srcPort, out.dstPort, out.seq])
        .toEqual(['192.0.2.10', '192.0.2.20', 40001, 80, 0x01020304]);
      expect(out.payloadWireLength).toBe(http.length);
    });
  }
});
