/**
 * VLAN ids, MPLS labels and tunnel kind/id recorded on TCP frames of the
 * corpus captures, each compared per frame with the tshark field that
 * dissects the same header (run at test time).
 */
import { describe, expect, it } from 'vitest';
import { TunnelKind } from '../../src/decode/decoded-packet.js';
import { decodeCapture } from './decode-capture.js';
import { corpusFile, haveOracle } from './corpus.js';
import { tsharkFields } from './tshark-oracle.js';

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
  /** tshark field giving the id; null: the id is 0 (none in the header). */
  idField: string | null;
  prefs?: string[];
}

const tunnelCases: TunnelCase[] = [
  { dir: 'zeek/mixed-vlan-mpls', name: 'mixed-vlan-mpls.pcap', kind: TunnelKind.MPLS, idField: 'mpls.label' },
  { dir: 'zeek/vxlan-encapsulated-http', name: 'vxlan-encapsulated-http.pcap', kind: TunnelKind.VXLAN, idField: 'vxlan.vni' },
  { dir: 'suricata-verify/vxlan-non-zero-reserved-fields', name: 'input.pcap', kind: TunnelKind.VXLAN, idField: 'vxlan.vni' },
  { dir: 'zeek/geneve-many-options', name: 'geneve-many-options.pcap', kind: TunnelKind.GENEVE, idField: 'geneve.vni' },
  // GRE protocol 0x6558 (transparent Ethernet bridging) despite the case name; some frames carry a key.
  { dir: 'zeek/erspan', name: 'erspan.pcap', kind: TunnelKind.GRE, idField: 'gre.key' },
  { dir: 'zeek/gre-over-udp-4754', name: 'gre-over-udp-4754.pcap', kind: TunnelKind.GRE, idField: 'gre.key' },
  { dir: 'zeek/gtp1_gn_normal_incl_fragmentation', name: 'gtp1_gn_normal_incl_fragmentation.pcap', kind: TunnelKind.GTP, idField: 'gtp.teid' },
  { dir: 'zeek/gtp2_different_udp_port', name: 'gtp2_different_udp_port.pcap', kind: TunnelKind.GTP, idField: 'gtp.teid' },
  { dir: 'zeek/ayiya3', name: 'ayiya3.pcap', kind: TunnelKind.AYIYA, idField: null },
];

describe.skipIf(!haveOracle)('tunnel kind and id equal the tshark dissection', () => {
  for (const t of tunnelCases) {
    it(t.dir, () => {
      const path = corpusFile(t.dir, t.name);
      // Frames tshark dissects through the tunnel header: those we must tag.
      const protoField = { [TunnelKind.MPLS]: 'mpls', [TunnelKind.VXLAN]: 'vxlan', [TunnelKind.GENEVE]: 'geneve', [TunnelKind.GRE]: 'gre', [TunnelKind.GTP]: 'gtp', [TunnelKind.TEREDO]: 'teredo', [TunnelKind.AYIYA]: 'ayiya' }[t.kind]!;
      const rows = tsharkFields(path, TCP_FILTER, ['frame.number', 'frame.protocols', t.idField ?? 'frame.len']);
      const expected = rows.map((c) => {
        const tunnelled = c[1]!.split(':').includes(protoField);
        const id = !tunnelled || t.idField === null ? 0 : Number(c[2]!.split(',')[0] || 0);
        return `${c[0]} ${tunnelled ? t.kind : 0} ${id}`;
      });
      expect(expected.some((e) => !e.endsWith(' 0 0'))).toBe(true);
      const actual = decodeCapture(path).tcp.map((f) => `${f.frame} ${f.tunnelKind} ${f.tunnelId}`);
      expect(actual).toEqual(expected);
    });
  }
});
