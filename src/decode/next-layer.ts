/**
 * What each layer decoder returns: either a final outcome (< Next.FIRST_LAYER)
 * or the next layer to decode from the cursor's offset. The packet decoder
 * loops on these codes (gopacket's DecodingLayerParser: "next layer type").
 */
export const Next = {
  /** Malformed or truncated: the layer counted an event. */
  MALFORMED: 0,
  /** Unsupported protocol: the layer counted an event. */
  UNSUPPORTED: 1,
  /** No TCP inside; counted once by the packet decoder. */
  NOT_TCP: 2,
  /** IP fragment buffered by the defragmenter. */
  FRAGMENT_HELD: 3,
  /** The TCP header was decoded into the output packet. */
  TCP_DONE: 4,

  /** First code that names a layer still to decode. */
  FIRST_LAYER: 10,
  ETHERNET: 10,
  /** Dispatch on `cursor.etherType` (Ethernet, SLL, SNAP, GRE protocol type...). */
  ETHERTYPE: 11,
  VLAN: 12,
  MPLS: 13,
  PPPOE: 14,
  /** Dispatch on a 16-bit PPP protocol at the offset. */
  PPP: 15,
  /** IPv4 or IPv6 chosen by the first nibble at the offset. */
  IP_GUESS: 16,
  IPV4: 17,
  IPV6: 18,
  /** Dispatch on `cursor.ipProto` at the offset (transport or IPv6 extension header). */
  IP_PROTO: 19,
  TCP: 20,
  UDP: 21,
  GRE: 22,
  ERSPAN2: 23,
  ERSPAN3: 24,
  VXLAN: 25,
  GENEVE: 26,
  TEREDO: 27,
  AYIYA: 28,
  GTPU: 29,
  LLC: 30,
  /** IPv6 extension header (or AH) of type `cursor.ipProto` at the offset. */
  IPV6_EXT: 31,
} as const;
export type Next = (typeof Next)[keyof typeof Next];
