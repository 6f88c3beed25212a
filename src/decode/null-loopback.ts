import { u32be, u32le } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/** 4-byte address family (https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html). */
const NULL_HEADER_LENGTH = 4;
const AF_INET = 2;
/** AF_INET6 on NetBSD/OpenBSD/BSD-OS (24), FreeBSD/DragonFly (28), Darwin (30). */
const AF_INET6_BSD = 24;
const AF_INET6_FREEBSD = 28;
const AF_INET6_DARWIN = 30;

/**
 * BSD loopback header at `c.off`: LINKTYPE_NULL (0, host byte order of the
 * capturing machine) and LINKTYPE_LOOP (108, network byte order). Both byte
 * orders are accepted for both types: a family value does not fit in 16 bits,
 * so a little-endian read above 0xFFFF means big-endian. Events:
 * `decode.null_truncated`, `decode.null_unknown_family`.
 */
export function decodeNullLoopback(c: LayerCursor): Next {
  if (c.remaining() < NULL_HEADER_LENGTH) return c.fail(DecodeEvent.NULL_TRUNCATED, Next.MALFORMED);
  let family = u32le(c.buf, c.off);
  if (family > 0xffff) family = u32be(c.buf, c.off);
  c.off += NULL_HEADER_LENGTH;
  switch (family) {
    case AF_INET:
      return Next.IPV4;
    case AF_INET6_BSD:
    case AF_INET6_FREEBSD:
    case AF_INET6_DARWIN:
      return Next.IPV6;
    default:
      return c.fail(DecodeEvent.NULL_UNKNOWN_FAMILY, Next.UNSUPPORTED);
  }
}
