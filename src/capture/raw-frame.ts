/**
 * One captured frame as read from a capture source (file or live).
 *
 * The object is reused by the reader: `data` is a view into the reader's
 * buffer, valid only until the `onFrame` callback returns. Copy what you keep.
 */
export interface RawFrame {
  /** LINKTYPE_* value (tcpdump.org link-layer header types), e.g. 1 = Ethernet. */
  linkType: number;
  /** Capture time, whole seconds since the Unix epoch. */
  tsSec: number;
  /** Capture time, nanoseconds within the second (0..999,999,999). */
  tsNsec: number;
  /** Bytes present in `data` (at most the snap length). */
  capturedLength: number;
  /** Length of the packet on the wire, bytes (>= capturedLength). */
  originalLength: number;
  /** pcapng interface index; 0 for pcap files. */
  interfaceId: number;
  /** The captured bytes; view valid until the callback returns. */
  data: Uint8Array;
}

/** LINKTYPE_* values we decode (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  C_HDLC: 104,
  IEEE802_11: 105,
  LOOP: 108,
  LINUX_SLL: 113,
  IEEE802_11_RADIOTAP: 127,
  NFLOG: 239,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
  /** OpenBSD/DLT_RAW on some platforms writes 12 or 14 for raw IP. */
  RAW_ALT12: 12,
  RAW_ALT14: 14,
} as const;

export function createRawFrame(): RawFrame {
  return { linkType: 0, tsSec: 0, tsNsec: 0, capturedLength: 0, originalLength: 0, interfaceId: 0, data: new Uint8Array(0) };
}
