import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/** Ethertype values we follow (IEEE 802 numbers; GRE and SLL reuse them). */
export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  /** Transparent Ethernet bridging (GRE, GENEVE). */
  TEB: 0x6558,
  RARP: 0x8035,
  VLAN_8021Q: 0x8100,
  IPV6: 0x86dd,
  /** ERSPAN type II (and type I when the GRE sequence bit is clear). */
  ERSPAN2: 0x88be,
  ERSPAN3: 0x22eb,
  MPLS_UNICAST: 0x8847,
  MPLS_MULTICAST: 0x8848,
  PPPOE_DISCOVERY: 0x8863,
  PPPOE_SESSION: 0x8864,
  VLAN_8021AD: 0x88a8,
  LLDP: 0x88cc,
  /** Pre-standard QinQ outer tags. */
  VLAN_QINQ_9100: 0x9100,
  VLAN_QINQ_9200: 0x9200,
} as const;

/**
 * Choose the layer for `c.etherType`. ERSPAN is only reachable from GRE, which
 * maps it itself. ARP, RARP, LLDP and PPPoE discovery are NOT_TCP; anything
 * else unknown counts `decode.unsupported_ethertype`.
 */
export function nextForEtherType(c: LayerCursor): Next {
  switch (c.etherType) {
    case EtherType.IPV4:
      return Next.IPV4;
    case EtherType.IPV6:
      return Next.IPV6;
    case EtherType.VLAN_8021Q:
    case EtherType.VLAN_8021AD:
    case EtherType.VLAN_QINQ_9100:
    case EtherType.VLAN_QINQ_9200:
      return Next.VLAN;
    case EtherType.MPLS_UNICAST:
    case EtherType.MPLS_MULTICAST:
      return Next.MPLS;
    case EtherType.PPPOE_SESSION:
      return Next.PPPOE;
    case EtherType.TEB:
      return Next.ETHERNET;
    case EtherType.ARP:
    case EtherType.RARP:
    case EtherType.LLDP:
    case EtherType.PPPOE_DISCOVERY:
      return Next.NOT_TCP;
    default:
      return c.fail(DecodeEvent.UNSUPPORTED_ETHERTYPE, Next.UNSUPPORTED);
  }
}
