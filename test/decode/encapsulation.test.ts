/**
 * VLAN ids, MPLS labels and tunnel kind/id recorded on TCP frames of the
 * corpus captures, each compared per frame with the tshark field that
 * dissects the same header (run at test time).
 */
import { describe, expect, it } from 'vitest';
import { TunnelKind } from '../../src/decode/decoded-packet.js';
import { decodeCapture } from './decode-capture.js';
import { corpusFile, haveOracle } from './corpus.js';
import { TEREDO_HEURISTIC_PREF, tsharkFields } from './tshark-oracle.js';

const TCP_FILTER = 'tcp && !icmp && !icmpv6 && tcp.len';

describe.skipIf(!haveOracle)('VLAN ids (outer two) equal tshark vlan.id / ieee8021ad.id', () => {
  const cases: Array<[string, string]> = [
    ['zeek/vlan-qinqinq', 'vlan-qinqinq.pcap'],
    ['zeek/http-vlan-0', 'http-vlan-0.pcap'],
    ['zeek/mixed-vlan-mpls', 'mixed-vlan-mpls.pcap'],
    ['tcpreplay/test.rewrite_vlan802.1ad', 'test.rewrite_vlan802.1ad'],
  ];
  for (const [dir, name] of cases) {
    it(dir, () => {
      const path = corpusFile(dir, name);
      const expected = tsharkFields(path, TCP_FILTER, ['frame.number', 'ieee8021ad.id', 'vlan.id']).map((c) => {
        const ids = [...(c[1] ? c[1].split(',') : []), ...(c[2] ? c[2].split(',') : [])].map(Number);
        return `${c[0]} ${ids[0] ?? 0} ${ids[1] ?? 0}`;
      });
      const actual = decodeCapture(path).tcp.map((f) => `${f.frame} ${f.vlanOuter} ${f.vlanInner}`);
      expect(actual).toEqual(expected);
    });
  }

  it('zeek/vlan-qinqinq records the outer two of three tags (30, 20)', () => {
    const { tcp } = decodeCapture(corpusFile('zeek/vlan-qinqinq', 'vlan-qinqinq.pcap'));
    expect(tcp.length).toBeGreaterThan(0);
    for (const f of tcp) expect([f.vlanOuter, f.vlanInner]).toEqual([30, 20]);
  });
});

interface TunnelCase {
  dir: string;
  name: string;
  kind: number;
  /** tshark field giving a tenant id (same both ways) we must record; null: the id is 0. */
  idField: string | null;
  /**
   * tshark field of a directional id the header carries (GRE key, GTP TEID,
   * MPLS label): tshark shows it, we record tunnelId 0 because directional
   * identifiers are not part of the flow key (DecodedPacket.tunnelId).
   */
  directionalField?: string;
}

const tunnelCases: TunnelCase[] = [
  // MPLS labels are per hop and per direction.
  { dir: 'zeek/mixed-vlan-mpls', name: 'mixed-vlan-mpls.pcap', kind: TunnelKind.MPLS, idField: null, directionalField: 'mpls.label' },
  { dir: 'zeek/vxlan-encapsulated-http', name: 'vxlan-encapsulated-http.pcap', kind: TunnelKind.VXLAN, idField: 'vxlan.vni' },
  { dir: 'suricata-verify/vxlan-non-zero-reserved-fields', name: 'input.pcap', kind: TunnelKind.VXLAN, idField: 'vxlan.vni' },
  { dir: 'zeek/geneve-many-options', name: 'geneve-many-options.pcap', kind: TunnelKind.GENEVE, idField: 'geneve.vni' },
  // GRE protocol 0x6558 (transparent Ethernet bridging) despite the case name; the key is 0 one way, 0x02000000 the other.
  { dir: 'zeek/erspan', name: 'erspan.pcap', kind: TunnelKind.GRE, idField: null, directionalField: 'gre.key' },
  { dir: 'zeek/gre-over-udp-4754', name: 'gre-over-udp-4754.pcap', kind: TunnelKind.GRE, idField: null },
  // GTP TEIDs name the receiving endpoint: uplink and downlink differ.
  { dir: 'zeek/gtp1_gn_normal_incl_fragmentation', name: 'gtp1_gn_normal_incl_fragmentation.pcap', kind: TunnelKind.GTP, idField: null, directionalField: 'gtp.teid' },
  { dir: 'zeek/gtp2_different_udp_port', name: 'gtp2_different_udp_port.pcap', kind: TunnelKind.GTP, idField: null, directionalField: 'gtp.teid' },
  { dir: 'zeek/ayiya3', name: 'ayiya3.pcap', kind: TunnelKind.AYIYA, idField: null },
  // HTTP over Teredo on UDP 3797 <-> 32900, found by the heuristic (tshark: teredo.heuristic_teredo).
  { dir: 'zeek/Teredo', name: 'Teredo.pcap', kind: TunnelKind.TEREDO, idField: null },
];

/** tshark protocol name of each tunnel kind (in frame.protocols). */
const protoField: Record<number, string> = {
  [TunnelKind.MPLS]: 'mpls', [TunnelKind.VXLAN]: 'vxlan', [TunnelKind.GENEVE]: 'geneve', [TunnelKind.GRE]: 'gre',
  [TunnelKind.GTP]: 'gtp', [TunnelKind.TEREDO]: 'teredo', [TunnelKind.AYIYA]: 'ayiya',
};

describe.skipIf(!haveOracle)('tunnel kind and id equal the tshark dissection', () => {
  for (const t of tunnelCases) {
    it(t.dir, () => {
      const path = corpusFile(t.dir, t.name);
      // Frames tshark dissects through the tunnel header: those we must tag.
      const rows = tsharkFields(path, TCP_FILTER, ['frame.number', 'frame.protocols', t.idField ?? 'frame.len', t.directionalField ?? 'frame.len'], [TEREDO_HEURISTIC_PREF]);
      const expected = rows.map((c) => {
        const tunnelled = c[1]!.split(':').includes(protoField[t.kind]!);
        const id = !tunnelled || t.idField === null ? 0 : Number(c[2]!.split(',')[0] || 0);
        return `${c[0]} ${tunnelled ? t.kind : 0} ${id}`;
      });
      expect(expected.some((e) => !e.endsWith(' 0 0'))).toBe(true);
      if (t.directionalField !== undefined) {
        // The header does carry a directional id (tshark shows it) that we leave out.
        expect(rows.some((c) => c[3] !== '')).toBe(true);
      }
      const actual = decodeCapture(path).tcp.map((f) => `${f.frame} ${f.tunnelKind} ${f.tunnelId}`);
      expect(actual).toEqual(expected);
    });
  }
});

/**
 * Regression: GTP TEIDs and GRE keys differ per direction; when they were in
 * the flow key, requests and responses of one connection landed in two flows.
 * Our flow key (both endpoints, unordered, + VLAN ids + tunnel kind and id)
 * must group the TCP frames exactly as tshark's tcp.stream does.
 */
describe.skipIf(!haveOracle)('directional tunnel ids do not split connections (flow key = tshark tcp.stream)', () => {
  const cases: Array<[string, string]> = [
    ['zeek/gtp2_different_udp_port', 'gtp2_different_udp_port.pcap'],
    ['zeek/gtp1_gn_normal_incl_fragmentation', 'gtp1_gn_normal_incl_fragmentation.pcap'],
    ['zeek/erspan', 'erspan.pcap'],
    ['zeek/mixed-vlan-mpls', 'mixed-vlan-mpls.pcap'],
  ];
  for (const [dir, name] of cases) {
    it(dir, () => {
      const path = corpusFile(dir, name);
      const streams = new Map(tsharkFields(path, 'tcp && !icmp && !icmpv6', ['frame.number', 'tcp.stream']).map((c) => [Number(c[0]), c[1]!]));
      const keyToStream = new Map<string, Set<string>>();
      const streamToKey = new Map<string, Set<string>>();
      for (const f of decodeCapture(path).tcp) {
        const a = `${f.src}|${f.srcPort}`;
        const b = `${f.dst}|${f.dstPort}`;
        const key = `${a < b ? a : b} ${a < b ? b : a} ${f.vlanOuter} ${f.vlanInner} ${f.tunnelKind} ${f.tunnelId}`;
        const stream = streams.get(f.frame)!;
        expect(stream, `frame ${f.frame}`).toBeDefined();
        (keyToStream.get(key) ?? keyToStream.set(key, new Set()).get(key)!).add(stream);
        (streamToKey.get(stream) ?? streamToKey.set(stream, new Set()).get(stream)!).add(key);
      }
      expect(keyToStream.size).toBeGreaterThan(0);
      expect([...keyToStream.values()].filter((s) => s.size > 1)).toEqual([]);
      expect([...streamToKey.entries()].filter(([, k]) => k.size > 1)).toEqual([]);
    });
  }
});
