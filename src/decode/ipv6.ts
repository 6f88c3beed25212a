import { u16be, u32be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/** Fixed IPv6 header (RFC 8200 §3). */
const IPV6_HEADER_LENGTH = 40;
/** Next Header value meaning "nothing follows" (RFC 8200 §4.7). */
export const IPV6_NO_NEXT_HEADER = 59;
/** Fragment header: next header, reserved, offset(13)/res(2)/M(1), identification (RFC 8200 §4.5). */
const IPV6_FRAGMENT_HEADER_LENGTH = 8;
const IPV6_FRAG_M = 0x0001;
const IPV6_FRAG_OFFSET_MASK = 0xfff8;

/** IPv6 extension header numbers (IANA "IPv6 Extension Header Types"). */
export const Ipv6Ext = {
  HOP_BY_HOP: 0,
  ROUTING: 43,
  FRAGMENT: 44,
  AH: 51,
  DESTINATION: 60,
  MOBILITY: 135,
  HIP: 139,
  SHIM6: 140,
} as const;

/**
 * Fixed IPv6 header at `c.off`. Limits the layer to the payload length (a
 * length past the frame is clipped, `decode.ipv6_length_exceeds_frame`
 * unless the snap length explains it; a zero length with a next header is
 * treated as "all bytes present", `decode.ipv6_zero_payload_length`). Writes
 * addresses and ipVersion; returns IP_PROTO with `c.ipProto` = next header.
 * Events: `decode.ipv6_truncated`, `decode.ipv6_bad_version`.
 */
export function decodeIpv6(c: LayerCursor): Next {
  if (c.remaining() < IPV6_HEADER_LENGTH) return c.fail(DecodeEvent.IPV6_TRUNCATED, Next.MALFORMED);
  const b = c.buf;
  const o = c.off;
  if (b[o]! >> 4 !== 6) return c.fail(DecodeEvent.IPV6_BAD_VERSION, Next.MALFORMED);
  const payloadLength = u16be(b, o + 4);
  const nextHeader = b[o + 6]!;
  const out = c.out;
  out.ipVersion = 6;
  const src = out.srcAddr;
  const dst = out.dstAddr;
  for (let i = 0; i < 16; i++) {
    src[i] = b[o + 8 + i]!;
    dst[i] = b[o + 24 + i]!;
  }
  c.ipVersion = 6;
  c.ipHeaderOff = o;
  c.ipProto = nextHeader;
  c.off = o + IPV6_HEADER_LENGTH;
  const wireAvail = c.wireEnd - c.off;
  if (payloadLength === 0) {
    if (nextHeader !== IPV6_NO_NEXT_HEADER && wireAvail > 0) c.events.add(DecodeEvent.IPV6_ZERO_PAYLOAD_LENGTH);
    else c.limitTo(0);
  } else if (payloadLength > wireAvail) {
    c.events.add(DecodeEvent.IPV6_LENGTH_EXCEEDS_FRAME);
  } else {
    c.limitTo(payloadLength);
  }
  return Next.IP_PROTO;
}

/**
 * One IPv6 extension header at `c.off`, type `c.ipProto`: hop-by-hop,
 * routing, destination options, mobility, HIP, shim6 ((len + 1) * 8 bytes),
 * AH ((len + 2) * 4 bytes, also used after IPv4) and fragment (8 bytes; an
 * atomic fragment, offset 0 and M = 0, passes through; others go to the
 * defragmenter). Returns IP_PROTO with the next header, FRAGMENT_HELD, or
 * MALFORMED with `decode.ipv6_bad_ext_length` / `decode.ipv6_truncated`.
 */
export function decodeIpv6Extension(c: LayerCursor): Next {
  const b = c.buf;
  const o = c.off;
  const type = c.ipProto;
  if (c.wireEnd - o < 8) return c.fail(DecodeEvent.IPV6_BAD_EXT_LENGTH, Next.MALFORMED);
  if (c.remaining() < 8) return c.fail(DecodeEvent.IPV6_TRUNCATED, Next.MALFORMED);
  const nextHeader = b[o]!;
  if (type === Ipv6Ext.FRAGMENT) {
    const offsetWord = u16be(b, o + 2);
    c.off = o + IPV6_FRAGMENT_HEADER_LENGTH;
    c.ipProto = nextHeader;
    const fragOffset = offsetWord & IPV6_FRAG_OFFSET_MASK;
    const more = (offsetWord & IPV6_FRAG_M) !== 0;
    if (fragOffset === 0 && !more) return Next.IP_PROTO;
    return c.defrag.add(c, u32be(b, o + 4), nextHeader, fragOffset, more);
  }
  const length = type === Ipv6Ext.AH ? (b[o + 1]! + 2) * 4 : (b[o + 1]! + 1) * 8;
  if (length > c.wireEnd - o) return c.fail(DecodeEvent.IPV6_BAD_EXT_LENGTH, Next.MALFORMED);
  if (length > c.remaining()) return c.fail(DecodeEvent.IPV6_TRUNCATED, Next.MALFORMED);
  c.off = o + length;
  c.ipProto = nextHeader;
  return Next.IP_PROTO;
}
