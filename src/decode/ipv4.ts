import { u16be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/** Minimum IPv4 header: IHL 5 words (RFC 791 §3.1). */
const IPV4_MIN_HEADER_LENGTH = 20;
/** Flags + fragment offset word: MF flag and 13-bit offset in 8-byte units. */
const IPV4_FLAG_MF = 0x2000;
const IPV4_OFFSET_MASK = 0x1fff;

/**
 * IPv4 header at `c.off` (options skipped by IHL). The layer is limited to
 * the total length, so Ethernet padding and trailers are not payload; a total
 * length past the frame is clipped to it (`decode.ipv4_length_exceeds_frame`
 * unless the snap length explains it). Writes addresses and ipVersion to the
 * packet; fragments go to the defragmenter. The header checksum is not
 * verified. Returns IP_PROTO with `c.ipProto` set, FRAGMENT_HELD, or
 * MALFORMED with one of `decode.ipv4_truncated`, `decode.ipv4_bad_version`,
 * `decode.ipv4_hlen_too_small`, `decode.ipv4_bad_total_length`.
 */
export function decodeIpv4(c: LayerCursor): Next {
  const avail = c.remaining();
  if (avail < IPV4_MIN_HEADER_LENGTH) return c.fail(DecodeEvent.IPV4_TRUNCATED, Next.MALFORMED);
  const b = c.buf;
  const o = c.off;
  if (b[o]! >> 4 !== 4) return c.fail(DecodeEvent.IPV4_BAD_VERSION, Next.MALFORMED);
  const headerLength = (b[o]! & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LENGTH) return c.fail(DecodeEvent.IPV4_HLEN_TOO_SMALL, Next.MALFORMED);
  if (avail < headerLength) return c.fail(DecodeEvent.IPV4_TRUNCATED, Next.MALFORMED);
  let totalLength = u16be(b, o + 2);
  const wireAvail = c.wireEnd - o;
  if (totalLength === 0) {
    c.events.add(DecodeEvent.IPV4_ZERO_TOTAL_LENGTH);
    totalLength = wireAvail;
  } else if (totalLength < headerLength) {
    return c.fail(DecodeEvent.IPV4_BAD_TOTAL_LENGTH, Next.MALFORMED);
  } else if (totalLength > wireAvail) {
    c.events.add(DecodeEvent.IPV4_LENGTH_EXCEEDS_FRAME);
    totalLength = wireAvail;
  }
  c.limitTo(totalLength);

  const out = c.out;
  out.ipVersion = 4;
  const src = out.srcAddr;
  const dst = out.dstAddr;
  src[0] = b[o + 12]!; src[1] = b[o + 13]!; src[2] = b[o + 14]!; src[3] = b[o + 15]!;
  dst[0] = b[o + 16]!; dst[1] = b[o + 17]!; dst[2] = b[o + 18]!; dst[3] = b[o + 19]!;
  src.fill(0, 4);
  dst.fill(0, 4);

  c.ipVersion = 4;
  c.ipHeaderOff = o;
  c.ipProto = b[o + 9]!;
  c.off = o + headerLength;
  const flagsOffset = u16be(b, o + 6);
  if ((flagsOffset & (IPV4_FLAG_MF | IPV4_OFFSET_MASK)) !== 0) {
    return c.defrag.add(c, u16be(b, o + 4), c.ipProto, (flagsOffset & IPV4_OFFSET_MASK) * 8, (flagsOffset & IPV4_FLAG_MF) !== 0);
  }
  return Next.IP_PROTO;
}
