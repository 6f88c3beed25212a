/**
 * Names of the events the packet decoder counts in an EventCounter
 * (`decode.<layer>_<problem>`). Malformed, truncated or unsupported input is
 * one of these, never an exception. Stable: tests and run summaries match on
 * the strings.
 */
export const DecodeEvent = {
  /** Frame link type not in LinkType. */
  UNSUPPORTED_LINK_TYPE: 'decode.unsupported_link_type',
  /** Ethertype (or PPP / GRE protocol type) we do not decode. */
  UNSUPPORTED_ETHERTYPE: 'decode.unsupported_ethertype',
  /** Decoded fine, but no TCP inside (UDP, ICMP, ARP, 802.11 management...). One counter for all. */
  NOT_TCP: 'decode.not_tcp',
  /** More nested layers than the decoder follows (crafted tunnel loops). */
  TOO_MANY_LAYERS: 'decode.too_many_layers',

  ETHERNET_TRUNCATED: 'decode.ethernet_truncated',
  /** 802.3 length field larger than the bytes present, or in 1501..1535. */
  ETHERNET_BAD_LENGTH: 'decode.ethernet_bad_length',
  LLC_TRUNCATED: 'decode.llc_truncated',
  VLAN_TRUNCATED: 'decode.vlan_truncated',
  MPLS_TRUNCATED: 'decode.mpls_truncated',
  /** MPLS payload whose first nibble is neither 4, 6 nor 0 (control word). */
  MPLS_UNKNOWN_PAYLOAD: 'decode.mpls_unknown_payload',
  PPPOE_TRUNCATED: 'decode.pppoe_truncated',
  PPPOE_BAD_HEADER: 'decode.pppoe_bad_header',
  PPP_TRUNCATED: 'decode.ppp_truncated',
  SLL_TRUNCATED: 'decode.sll_truncated',
  SLL2_TRUNCATED: 'decode.sll2_truncated',
  NULL_TRUNCATED: 'decode.null_truncated',
  /** BSD loopback address family that is neither AF_INET nor an AF_INET6 value. */
  NULL_UNKNOWN_FAMILY: 'decode.null_unknown_family',
  CHDLC_TRUNCATED: 'decode.chdlc_truncated',
  NFLOG_TRUNCATED: 'decode.nflog_truncated',
  NFLOG_BAD_TLV_LENGTH: 'decode.nflog_bad_tlv_length',
  /** NFLOG record without a payload TLV (type 9). */
  NFLOG_NO_PAYLOAD: 'decode.nflog_no_payload',
  RADIOTAP_TRUNCATED: 'decode.radiotap_truncated',
  WLAN_TRUNCATED: 'decode.wlan_truncated',
  /** 802.11 data frame with the Protected bit set: encrypted, cannot be decoded. */
  WLAN_PROTECTED: 'decode.wlan_protected',
  /** 802.11 QoS data frame carrying an A-MSDU. */
  WLAN_AMSDU: 'decode.wlan_amsdu',
  /** Raw-IP style payload whose first nibble is neither 4 nor 6. */
  IP_UNKNOWN_VERSION: 'decode.ip_unknown_version',

  IPV4_TRUNCATED: 'decode.ipv4_truncated',
  IPV4_BAD_VERSION: 'decode.ipv4_bad_version',
  IPV4_HLEN_TOO_SMALL: 'decode.ipv4_hlen_too_small',
  /** Total length smaller than the header length. */
  IPV4_BAD_TOTAL_LENGTH: 'decode.ipv4_bad_total_length',
  /** Total length 0 (TCP segmentation offload on the capturing host): bytes present used instead. */
  IPV4_ZERO_TOTAL_LENGTH: 'decode.ipv4_zero_total_length',
  /** Total length runs past the frame although the snap length did not cut it. */
  IPV4_LENGTH_EXCEEDS_FRAME: 'decode.ipv4_length_exceeds_frame',
  IPV6_TRUNCATED: 'decode.ipv6_truncated',
  IPV6_BAD_VERSION: 'decode.ipv6_bad_version',
  /** Payload length runs past the frame although the snap length did not cut it. */
  IPV6_LENGTH_EXCEEDS_FRAME: 'decode.ipv6_length_exceeds_frame',
  /** Extension header length runs past the payload. */
  IPV6_BAD_EXT_LENGTH: 'decode.ipv6_bad_ext_length',
  /** Payload length 0 without a jumbo option: bytes present used instead. */
  IPV6_ZERO_PAYLOAD_LENGTH: 'decode.ipv6_zero_payload_length',

  FRAGMENT_OVERLAP: 'decode.fragment_overlap',
  /** Datagram or byte cap of the fragment table reached: fragment dropped. */
  FRAGMENT_CAP_REACHED: 'decode.fragment_cap_reached',
  /** Reassembled datagram would exceed 65535 bytes of payload. */
  FRAGMENT_TOO_LARGE: 'decode.fragment_too_large',
  /** A non-last fragment whose length is not a multiple of 8, or fragments disagreeing on the end. */
  FRAGMENT_BAD_LENGTH: 'decode.fragment_bad_length',
  /** Fragment cut by the snap length: cannot be reassembled. */
  FRAGMENT_TRUNCATED: 'decode.fragment_truncated',
  /** Incomplete datagram dropped after the timeout (packet time). */
  FRAGMENT_TIMEOUT: 'decode.fragment_timeout',

  UDP_TRUNCATED: 'decode.udp_truncated',
  UDP_BAD_LENGTH: 'decode.udp_bad_length',
  GRE_TRUNCATED: 'decode.gre_truncated',
  /** GRE version other than 0 (or 1 carrying PPP), or the RFC 1701 routing bit. */
  GRE_UNSUPPORTED: 'decode.gre_unsupported',
  ERSPAN_TRUNCATED: 'decode.erspan_truncated',
  /** ERSPAN type III frame type other than Ethernet. */
  ERSPAN_UNSUPPORTED: 'decode.erspan_unsupported',
  VXLAN_TRUNCATED: 'decode.vxlan_truncated',
  GENEVE_TRUNCATED: 'decode.geneve_truncated',
  GENEVE_BAD_VERSION: 'decode.geneve_bad_version',
  TEREDO_TRUNCATED: 'decode.teredo_truncated',
  /** Not an error: a UDP datagram on a non-tunnel port matched the strict Teredo heuristic and was decapsulated. */
  TEREDO_HEURISTIC: 'decode.teredo_heuristic',
  AYIYA_TRUNCATED: 'decode.ayiya_truncated',
  GTP_TRUNCATED: 'decode.gtp_truncated',
  GTP_BAD_VERSION: 'decode.gtp_bad_version',
  GTP_BAD_EXT_LENGTH: 'decode.gtp_bad_ext_length',

  /** Header valid per the IP length but not all captured (snap length). */
  TCP_TRUNCATED: 'decode.tcp_truncated',
  /** IP payload shorter than the 20-byte minimum TCP header. */
  TCP_SHORT_SEGMENT: 'decode.tcp_short_segment',
  TCP_BAD_DATA_OFFSET: 'decode.tcp_bad_data_offset',
  TCP_BAD_OPTION_LENGTH: 'decode.tcp_bad_option_length',
  /** TCP payload shorter than the IP length says (snap length or short frame). */
  TCP_TRUNCATED_PAYLOAD: 'decode.tcp_truncated_payload',
} as const;
export type DecodeEvent = (typeof DecodeEvent)[keyof typeof DecodeEvent];
