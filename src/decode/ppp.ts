import { u16be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/** PPP protocol numbers (RFC 1332 IPCP's IPv4, RFC 5072 IPv6). */
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;
/** HDLC-like framing address and control bytes (RFC 1662 §3.1), sent by some PPTP peers. */
const PPP_ADDRESS = 0xff;
const PPP_CONTROL = 0x03;

/**
 * PPP protocol field at `c.off` (PPPoE session, PPTP's enhanced GRE). Skips an
 * FF 03 address/control prefix; accepts a compressed 1-byte protocol field
 * (RFC 1661 §6.5: odd first byte). IPv4 / IPv6 continue; control protocols
 * (LCP, IPCP...) are NOT_TCP. Event: `decode.ppp_truncated`.
 */
export function decodePpp(c: LayerCursor): Next {
  const b = c.buf;
  if (c.remaining() >= 2 && b[c.off] === PPP_ADDRESS && b[c.off + 1] === PPP_CONTROL) c.off += 2;
  if (c.remaining() < 1) return c.fail(DecodeEvent.PPP_TRUNCATED, Next.MALFORMED);
  let protocol: number;
  if ((b[c.off]! & 0x01) !== 0) {
    protocol = b[c.off]!;
    c.off += 1;
  } else {
    if (c.remaining() < 2) return c.fail(DecodeEvent.PPP_TRUNCATED, Next.MALFORMED);
    protocol = u16be(b, c.off);
    c.off += 2;
  }
  if (protocol === PPP_IPV4) return Next.IPV4;
  if (protocol === PPP_IPV6) return Next.IPV6;
  return Next.NOT_TCP;
}
