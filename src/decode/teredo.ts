import { u16be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import { TunnelKind } from './decoded-packet.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/**
 * Teredo (RFC 4380 §5.1.1): optional authentication indicator (0x0001, ID-len
 * (1), AU-len (1), client id, authentication value, nonce (8), confirmation
 * (1)), optional origin indication (0x0000, port (2), address (4)), then an
 * IPv6 packet.
 */
const AUTH_INDICATOR = 0x0001;
const AUTH_FIXED_LENGTH = 4 + 8 + 1;
const ORIGIN_INDICATOR = 0x0000;
const ORIGIN_LENGTH = 8;

/**
 * Teredo payload at `c.off` (UDP 3544 by default). A payload that is not an
 * IPv6 packet after the indicators is NOT_TCP (not Teredo). Records tunnel
 * kind TEREDO. Event: `decode.teredo_truncated`.
 */
export function decodeTeredo(c: LayerCursor): Next {
  const b = c.buf;
  if (c.remaining() >= 2 && u16be(b, c.off) === AUTH_INDICATOR) {
    if (c.remaining() < 4) return c.fail(DecodeEvent.TEREDO_TRUNCATED, Next.MALFORMED);
    const length = AUTH_FIXED_LENGTH + b[c.off + 2]! + b[c.off + 3]!;
    if (c.remaining() < length) return c.fail(DecodeEvent.TEREDO_TRUNCATED, Next.MALFORMED);
    c.off += length;
  }
  if (c.remaining() >= 2 && u16be(b, c.off) === ORIGIN_INDICATOR) {
    if (c.remaining() < ORIGIN_LENGTH) return c.fail(DecodeEvent.TEREDO_TRUNCATED, Next.MALFORMED);
    c.off += ORIGIN_LENGTH;
  }
  if (c.remaining() < 1 || b[c.off]! >> 4 !== 6) return Next.NOT_TCP;
  c.markTunnel(TunnelKind.TEREDO, 0);
  return Next.IPV6;
}
