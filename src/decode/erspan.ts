import { u16be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import { TunnelKind } from './decoded-packet.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/**
 * ERSPAN type II header: Ver (4) VLAN (12) | COS (3) En (2) T (1) Session ID
 * (10) | Reserved (12) Index (20). Type III: Ver VLAN | COS BSO T Session ID |
 * Timestamp (32) | SGT (16) P (1) FT (5) HW ID (6) D (1) Gra (2) O (1), then an
 * 8-byte platform-specific subheader when O is set.
 * (draft-foschiano-erspan-03 §4.1, §4.2)
 */
const ERSPAN2_HEADER_LENGTH = 8;
const ERSPAN3_HEADER_LENGTH = 12;
const ERSPAN3_PLATFORM_SUBHEADER_LENGTH = 8;
const SESSION_ID_MASK = 0x03ff;
/** ERSPAN III frame type: 0 = Ethernet, 2 = IP packet. */
const FT_ETHERNET = 0;
const FT_IP = 2;

/** ERSPAN type II header at `c.off`: records the session id, returns ETHERNET. Event: `decode.erspan_truncated`. */
export function decodeErspan2(c: LayerCursor): Next {
  if (c.remaining() < ERSPAN2_HEADER_LENGTH) return c.fail(DecodeEvent.ERSPAN_TRUNCATED, Next.MALFORMED);
  c.markTunnel(TunnelKind.ERSPAN, u16be(c.buf, c.off + 2) & SESSION_ID_MASK);
  c.off += ERSPAN2_HEADER_LENGTH;
  return Next.ETHERNET;
}

/**
 * ERSPAN type III header at `c.off` (+ optional platform subheader): records
 * the session id; Ethernet or IP frame types continue. Events:
 * `decode.erspan_truncated`, `decode.erspan_unsupported` (other frame types).
 */
export function decodeErspan3(c: LayerCursor): Next {
  if (c.remaining() < ERSPAN3_HEADER_LENGTH) return c.fail(DecodeEvent.ERSPAN_TRUNCATED, Next.MALFORMED);
  const b = c.buf;
  const o = c.off;
  const word = u16be(b, o + 10);
  const frameType = (word >> 10) & 0x1f;
  let length = ERSPAN3_HEADER_LENGTH;
  if ((word & 0x0001) !== 0) length += ERSPAN3_PLATFORM_SUBHEADER_LENGTH;
  if (c.remaining() < length) return c.fail(DecodeEvent.ERSPAN_TRUNCATED, Next.MALFORMED);
  c.markTunnel(TunnelKind.ERSPAN, u16be(b, o + 2) & SESSION_ID_MASK);
  c.off = o + length;
  if (frameType === FT_ETHERNET) return Next.ETHERNET;
  if (frameType === FT_IP) return Next.IP_GUESS;
  return c.fail(DecodeEvent.ERSPAN_UNSUPPORTED, Next.UNSUPPORTED);
}
