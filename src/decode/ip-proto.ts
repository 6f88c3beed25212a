import { TunnelKind } from './decoded-packet.js';
import type { LayerCursor } from './layer-cursor.js';
import { Ipv6Ext } from './ipv6.js';
import { Next } from './next-layer.js';

/** IANA protocol numbers the decoder follows. */
export const IpProto = {
  IPV4: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  GRE: 47,
  AH: 51,
} as const;

/**
 * Choose the layer for `c.ipProto` (after an IPv4 header, an IPv6 header or
 * extension header, or a reassembled datagram). IP-in-IP (4in4, 6in4, 4in6,
 * 6in6) records tunnel kind IP_IN_IP. Returns IPV6_EXT for
 * extension headers (AH after IPv4 too), NOT_TCP for anything else (ICMP,
 * ESP, no next header...).
 */
export function nextForIpProto(c: LayerCursor): Next {
  switch (c.ipProto) {
    case IpProto.TCP:
      return Next.TCP;
    case IpProto.UDP:
      return Next.UDP;
    case IpProto.GRE:
      return Next.GRE;
    case IpProto.IPV4:
      c.markTunnel(TunnelKind.IP_IN_IP, 0);
      return Next.IPV4;
    case IpProto.IPV6:
      c.markTunnel(TunnelKind.IP_IN_IP, 0);
      return Next.IPV6;
    case IpProto.AH:
      return Next.IPV6_EXT;
    case Ipv6Ext.HOP_BY_HOP:
    case Ipv6Ext.ROUTING:
    case Ipv6Ext.FRAGMENT:
    case Ipv6Ext.DESTINATION:
    case Ipv6Ext.MOBILITY:
    case Ipv6Ext.HIP:
    case Ipv6Ext.SHIM6:
      return c.ipVersion === 6 ? Next.IPV6_EXT : Next.NOT_TCP;
    default:
      return Next.NOT_TCP;
  }
}
