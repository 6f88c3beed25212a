/**
 * The reused result object the packet decoder fills (gopacket's
 * DecodingLayerParser habit): one instance per decoder, overwritten by each
 * `decode()` call. Views (`payload`) point into the frame's buffer, or into the
 * IP-defragmenter's reassembly buffer, and are valid until the next decode.
 */

/** TCP header flag bits (RFC 9293 §3.1). */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/** Outcome of `PacketDecoder.decode()`. */
export const DecodeResult = {
  /** A TCP segment: every L3/L4 field of DecodedPacket is valid. */
  TCP: 0,
  /** Decoded fine but not TCP (UDP, ICMP, ARP...): ignored, counted. */
  NOT_TCP: 1,
  /** Malformed or truncated before the TCP header: a decode event was counted. */
  MALFORMED: 2,
  /** An IP fragment was buffered; no packet yet. */
  FRAGMENT_HELD: 3,
  /** Link type or protocol we do not decode: counted. */
  UNSUPPORTED: 4,
} as const;
export type DecodeResult = (typeof DecodeResult)[keyof typeof DecodeResult];

export class DecodedPacket {
  /** 4 or 6 (innermost IP header carrying the TCP segment). */
  ipVersion: 4 | 6 = 4;
  /**
   * Source / destination address, 16 bytes each, reused buffers. IPv4 uses
   * bytes 0..3 and leaves 4..15 zero.
   */
  readonly srcAddr = new Uint8Array(16);
  readonly dstAddr = new Uint8Array(16);
  srcPort = 0;
  dstPort = 0;
  /** TCP sequence / acknowledgment numbers, unsigned 32-bit. */
  seq = 0;
  ack = 0;
  /** TCP flags byte (see TcpFlag). */
  tcpFlags = 0;
  /** Raw window field (not scaled). */
  window = 0;
  /** Window scale option from a SYN, or -1 when absent. */
  windowScale = -1;
  /** MSS option, or 0 when absent. */
  mss = 0;
  /** TCP payload: view, valid until the next decode. Length = payload bytes present. */
  payload: Uint8Array = new Uint8Array(0);
  /**
   * Payload bytes the IP header says were sent; larger than payload.length when
   * the snap length cut the frame (the difference is a capture gap).
   */
  payloadWireLength = 0;
  /** 802.1Q / 802.1ad VLAN ids, outermost first; 0 when absent. */
  vlanOuter = 0;
  vlanInner = 0;
  /** Tunnel kind of the outermost decapsulated tunnel, 0 = none (see TunnelKind). */
  tunnelKind = 0;
  /**
   * Tenant identifier of that tunnel, part of the flow key: VXLAN VNI, GENEVE
   * VNI, ERSPAN type II/III session id (a mirror session or tenant: the same
   * both ways). 0 for every other kind (GRE key, PPTP call id, GTP TEID,
   * Teredo, AYIYA, IP-in-IP, MPLS label) and when absent: directional
   * identifiers are not part of the flow key, since a value that differs per
   * direction would split one connection into two flows.
   */
  tunnelId = 0;
  /** Byte count of the whole frame (originalLength), for stats. */
  frameLength = 0;
}

/** Tunnel kinds recorded on DecodedPacket.tunnelKind and on transactions. */
export const TunnelKind = {
  NONE: 0,
  VXLAN: 1,
  GENEVE: 2,
  GRE: 3,
  ERSPAN: 4,
  TEREDO: 5,
  AYIYA: 6,
  GTP: 7,
  IP_IN_IP: 8,
  MPLS: 9,
} as const;

export const TunnelKindName: Record<number, string> = {
  0: 'none', 1: 'vxlan', 2: 'geneve', 3: 'gre', 4: 'erspan', 5: 'teredo', 6: 'ayiya', 7: 'gtp', 8: 'ip-in-ip', 9: 'mpls',
};
