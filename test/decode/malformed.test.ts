/**
 * Malformed and truncated input: hand-built byte layouts, each asserting the
 * exact result code and the one event counted; and every prefix of real
 * corpus frames decoded without throwing.
 */
import { describe, expect, it } from 'vitest';
import { DecodedPacket, DecodeResult } from '../../src/decode/decoded-packet.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { UsageError } from '../../src/errors.js';
import { EventCounter } from '../../src/stats/event-counter.js';
import { corpusFile, haveCorpus } from './corpus.js';
import { readPcap } from './read-pcap.js';
import { ascii, concat, ethernet, frame, ipv4, ipv6, tcp, u16, u32, udp } from './packet-builder.js';

function decodeOne(linkType: number, data: Uint8Array, originalLength = data.length): { result: number; events: Record<string, number>; out: DecodedPacket } {
  const events = new EventCounter();
  const out = new DecodedPacket();
  const result = new PacketDecoder(events).decode(frame(linkType, data, 1_700_000_000, originalLength), out);
  return { result, events: events.toJSON(), out };
}

const seg = tcp({ sport: 1234, dport: 80 }, ascii('hello'));
const good4 = ethernet(0x0800, ipv4({ proto: 6 }, seg));
const { MALFORMED, UNSUPPORTED, NOT_TCP, TCP } = DecodeResult;

interface Case {
  name: string;
  linkType?: number;
  data: Uint8Array;
  result: number;
  event: string;
}

const cases: Case[] = [
  { name: 'Ethernet header cut at 13 bytes', data: good4.subarray(0, 13), result: MALFORMED, event: 'decode.ethernet_truncated' },
  { name: '802.3 length 1520 (neither length nor ethertype)', data: concat(good4.subarray(0, 12), u16(1520), [0, 0]), result: MALFORMED, event: 'decode.ethernet_bad_length' },
  { name: 'unknown ethertype 0x1234', data: ethernet(0x1234, new Uint8Array(20)), result: UNSUPPORTED, event: 'decode.unsupported_ethertype' },
  { name: 'ARP', data: ethernet(0x0806, new Uint8Array(28)), result: NOT_TCP, event: 'decode.not_tcp' },
  { name: 'VLAN tag cut', data: ethernet(0x8100, new Uint8Array([0, 1])), result: MALFORMED, event: 'decode.vlan_truncated' },
  { name: 'MPLS stack without bottom of stack', data: ethernet(0x8847, new Uint8Array([0, 0, 0x10, 64, 0, 0, 0x20, 64])), result: MALFORMED, event: 'decode.mpls_truncated' },
  { name: 'PPPoE discovery-stage code in a session frame', data: ethernet(0x8864, new Uint8Array([0x11, 0x09, 0, 1, 0, 2, 0, 0x21])), result: MALFORMED, event: 'decode.pppoe_bad_header' },
  { name: 'IPv4 header cut at 19 bytes', data: good4.subarray(0, 14 + 19), result: MALFORMED, event: 'decode.ipv4_truncated' },
  { name: 'IPv4 IHL 4', data: ethernet(0x0800, ipv4({ proto: 6, ihl: 4 }, seg)), result: MALFORMED, event: 'decode.ipv4_hlen_too_small' },
  { name: 'IPv4 IHL 15 past the frame', data: ethernet(0x0800, ipv4({ proto: 6, ihl: 15 }, new Uint8Array(10))), result: MALFORMED, event: 'decode.ipv4_truncated' },
  { name: 'IPv4 total length 19', data: ethernet(0x0800, ipv4({ proto: 6, totalLength: 19 }, seg)), result: MALFORMED, event: 'decode.ipv4_bad_total_length' },
  { name: 'version 6 in an IPv4 ethertype', data: ethernet(0x0800, ipv6({ next: 6 }, seg)), result: MALFORMED, event: 'decode.ipv4_bad_version' },
  { name: 'IPv6 header cut at 39 bytes', data: ethernet(0x86dd, ipv6({ next: 6 }, seg)).subarray(0, 14 + 39), result: MALFORMED, event: 'decode.ipv6_truncated' },
  { name: 'IPv6 hop-by-hop length past the payload', data: ethernet(0x86dd, ipv6({ next: 0 }, concat([6, 200, 0, 0, 0, 0, 0, 0], seg))), result: MALFORMED, event: 'decode.ipv6_bad_ext_length' },
  { name: 'IPv6 no next header', data: ethernet(0x86dd, ipv6({ next: 59 }, new Uint8Array(0))), result: NOT_TCP, event: 'decode.not_tcp' },
  { name: 'TCP header cut at 19 bytes, IP length says more (frame not snap-cut)', data: ethernet(0x0800, ipv4({ proto: 6, totalLength: 20 + seg.length }, seg.subarray(0, 19))), result: MALFORMED, event: 'decode.ipv4_length_exceeds_frame' },
  { name: 'TCP data offset 4', data: ethernet(0x0800, ipv4({ proto: 6 }, tcp({ dataOffset: 4 }, ascii('x')))), result: MALFORMED, event: 'decode.tcp_bad_data_offset' },
  { name: 'TCP data offset 15 past the segment', data: ethernet(0x0800, ipv4({ proto: 6 }, tcp({ dataOffset: 15 }, ascii('x')))), result: MALFORMED, event: 'decode.tcp_bad_data_offset' },
  { name: 'IP payload shorter than a TCP header', data: ethernet(0x0800, ipv4({ proto: 6 }, seg.subarray(0, 15))), result: MALFORMED, event: 'decode.tcp_short_segment' },
  { name: 'UDP header cut', data: ethernet(0x0800, ipv4({ proto: 17 }, new Uint8Array(5))), result: MALFORMED, event: 'decode.udp_truncated' },
  { name: 'plain UDP', data: ethernet(0x0800, ipv4({ proto: 17 }, udp(53, 53, new Uint8Array(4)))), result: NOT_TCP, event: 'decode.not_tcp' },
  { name: 'ICMP', data: ethernet(0x0800, ipv4({ proto: 1 }, new Uint8Array(8))), result: NOT_TCP, event: 'decode.not_tcp' },
  { name: 'VXLAN header cut', data: ethernet(0x0800, ipv4({ proto: 17 }, udp(1, 4789, new Uint8Array(7)))), result: MALFORMED, event: 'decode.vxlan_truncated' },
  { name: 'GENEVE options past the datagram', data: ethernet(0x0800, ipv4({ proto: 17 }, udp(1, 6081, concat([0x3f, 0], u16(0x6558), u32(0))))), result: MALFORMED, event: 'decode.geneve_truncated' },
  { name: 'GENEVE version 1', data: ethernet(0x0800, ipv4({ proto: 17 }, udp(1, 6081, concat([0x40, 0], u16(0x6558), u32(0))))), result: MALFORMED, event: 'decode.geneve_bad_version' },
  { name: 'GRE key flag without the key', data: ethernet(0x0800, ipv4({ proto: 47 }, new Uint8Array([0x20, 0, 0x08, 0]))), result: MALFORMED, event: 'decode.gre_truncated' },
  { name: 'GRE version 2', data: ethernet(0x0800, ipv4({ proto: 47 }, new Uint8Array([0, 2, 0x08, 0]))), result: UNSUPPORTED, event: 'decode.gre_unsupported' },
  { name: 'ERSPAN II header cut', data: ethernet(0x0800, ipv4({ proto: 47 }, concat([0x10, 0], u16(0x88be), u32(1), [0x10, 0]))), result: MALFORMED, event: 'decode.erspan_truncated' },
  { name: 'GTP-U zero-length extension header', data: ethernet(0x0800, ipv4({ proto: 17 }, udp(2152, 2152, concat([0x34, 0xff], u16(8), u32(1), [0, 0, 0, 0x85], [0, 0, 0, 0])))), result: MALFORMED, event: 'decode.gtp_bad_ext_length' },
  { name: 'GTP version 2 on the GTP-U port', data: ethernet(0x0800, ipv4({ proto: 17 }, udp(2152, 2152, concat([0x48, 0xff], u16(0), u32(1))))), result: MALFORMED, event: 'decode.gtp_bad_version' },
  { name: 'AYIYA header cut', data: ethernet(0x0800, ipv4({ proto: 17 }, udp(5072, 5072, new Uint8Array([0x41, 0x52, 0x11])))), result: MALFORMED, event: 'decode.ayiya_truncated' },
  { name: 'unknown link type 147', linkType: 147, data: good4, result: UNSUPPORTED, event: 'decode.unsupported_link_type' },
  { name: 'NULL family 7', linkType: 0, data: concat([7, 0, 0, 0], good4.subarray(14)), result: UNSUPPORTED, event: 'decode.null_unknown_family' },
  { name: 'SLL header cut', linkType: 113, data: new Uint8Array(15), result: MALFORMED, event: 'decode.sll_truncated' },
  { name: 'SLL2 header cut', linkType: 276, data: new Uint8Array(19), result: MALFORMED, event: 'decode.sll2_truncated' },
  { name: 'Cisco HDLC header cut', linkType: 104, data: new Uint8Array(3), result: MALFORMED, event: 'decode.chdlc_truncated' },
  { name: 'NFLOG without payload TLV', linkType: 239, data: concat([2, 0, 0, 0], [8, 0, 1, 0, 0, 0, 0, 0]), result: MALFORMED, event: 'decode.nflog_no_payload' },
  { name: 'NFLOG TLV length 2', linkType: 239, data: concat([2, 0, 0, 0], [2, 0, 9, 0]), result: MALFORMED, event: 'decode.nflog_bad_tlv_length' },
  { name: 'radiotap length past the frame', linkType: 127, data: new Uint8Array([0, 0, 64, 0, 0, 0, 0, 0]), result: MALFORMED, event: 'decode.radiotap_truncated' },
  { name: '802.11 beacon (management)', linkType: 105, data: concat([0x80, 0], new Uint8Array(30)), result: NOT_TCP, event: 'decode.not_tcp' },
  { name: '802.11 protected data', linkType: 105, data: concat([0x08, 0x40], new Uint8Array(40)), result: UNSUPPORTED, event: 'decode.wlan_protected' },
  { name: 'raw IP version 5', linkType: 101, data: new Uint8Array([0x50, 0, 0, 0]), result: UNSUPPORTED, event: 'decode.ip_unknown_version' },
];

describe('malformed input: exact result and event, never a throw', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { result, events } = decodeOne(c.linkType ?? 1, c.data);
      expect(events).toEqual(c.event === 'decode.ipv4_length_exceeds_frame'
        ? { 'decode.ipv4_length_exceeds_frame': 1, 'decode.tcp_short_segment': 1 }
        : { [c.event]: 1 });
      expect(result).toBe(c.result);
    });
  }

  it('the constructor rejects bad options with a UsageError', () => {
    expect(() => new PacketDecoder(new EventCounter(), { maxFragmentDatagrams: 0 })).toThrow(UsageError);
    expect(() => new PacketDecoder(new EventCounter(), { fragmentTimeoutSec: -1 })).toThrow(UsageError);
    expect(() => new PacketDecoder(new EventCounter(), { vxlanPorts: [70000] })).toThrow(UsageError);
  });

  it('IP-in-IP nested past maxLayers counts decode.too_many_layers', () => {
    let p = ipv4({ proto: 6 }, seg);
    for (let i = 0; i < 40; i++) p = ipv4({ proto: 4 }, p);
    const { result, events } = decodeOne(101, p);
    expect(result).toBe(MALFORMED);
    expect(events).toEqual({ 'decode.too_many_layers': 1 });
  });

  it('a bad TCP option length keeps the segment and counts decode.tcp_bad_option_length', () => {
    const { result, events, out } = decodeOne(1, ethernet(0x0800, ipv4({ proto: 6 }, tcp({ options: [2, 4, 0x05, 0xb4, 8, 40, 0, 0] }, ascii('ab')))));
    expect(result).toBe(TCP);
    expect(events).toEqual({ 'decode.tcp_bad_option_length': 1 });
    expect(out.mss).toBe(1460);
    expect(out.payload.length).toBe(2);
  });

  it('snap length cutting the payload: TCP with payload present and the wire length', () => {
    // 14 Ethernet + 20 IPv4 + 20 TCP + 5 payload on the wire; 3 payload bytes captured.
    const { result, events, out } = decodeOne(1, good4.subarray(0, 14 + 20 + 20 + 3), good4.length);
    expect(result).toBe(TCP);
    expect(events).toEqual({ 'decode.tcp_truncated_payload': 1 });
    expect(out.payload.length).toBe(3);
    expect(out.payloadWireLength).toBe(5);
  });

  it('snap length cutting the TCP header counts decode.tcp_truncated', () => {
    const { result, events } = decodeOne(1, good4.subarray(0, 14 + 20 + 10), good4.length);
    expect(result).toBe(MALFORMED);
    expect(events).toEqual({ 'decode.tcp_truncated': 1 });
  });

  it('Ethernet padding is not payload (IP total length wins)', () => {
    const padded = concat(ethernet(0x0800, ipv4({ proto: 6 }, tcp({}, new Uint8Array(0)))), [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
    const { result, out } = decodeOne(1, padded);
    expect(result).toBe(TCP);
    expect(out.payload.length).toBe(0);
    expect(out.payloadWireLength).toBe(0);
  });
});

describe.skipIf(!haveCorpus)('every prefix of real frames decodes without throwing', () => {
  const files: Array<[string, string]> = [
    ['zeek/vxlan-encapsulated-http', 'vxlan-encapsulated-http.pcap'],
    ['zeek/geneve-many-options', 'geneve-many-options.pcap'],
    ['zeek/gtp1_gn_normal_incl_fragmentation', 'gtp1_gn_normal_incl_fragmentation.pcap'],
    ['zeek/ayiya3', 'ayiya3.pcap'],
    ['zeek/ipv6-http-atomic-frag', 'ipv6-http-atomic-frag.pcap'],
    ['zeek/nflog-http', 'nflog-http.pcap'],
    ['arkime/80211http', '80211http.pcap'],
    ['suricata-verify/bug-4810', 'pppoe-session-http.pcap'],
    ['zeek/mixed-vlan-mpls', 'mixed-vlan-mpls.pcap'],
  ];
  for (const [dir, name] of files) {
    it(dir, () => {
      const events = new EventCounter();
      const decoder = new PacketDecoder(events);
      const out = new DecodedPacket();
      for (const f of readPcap(corpusFile(dir, name)).slice(0, 12)) {
        for (let k = 0; k <= f.data.length; k++) {
          // Snap-cut (original length kept) and short frame (original = captured).
          for (const original of [f.originalLength, k]) {
            const r = decoder.decode({ ...f, data: f.data.subarray(0, k), capturedLength: k, originalLength: original }, out);
            expect([0, 1, 2, 3, 4]).toContain(r);
          }
        }
      }
      for (const name of Object.keys(events.toJSON())) expect(name).toMatch(/^decode\.[a-z0-9]+_[a-z0-9_]+$/);
    });
  }
});
