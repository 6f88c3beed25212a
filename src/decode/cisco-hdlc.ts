import { u16be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/**
 * Cisco HDLC: address (1: 0x0F unicast, 0x8F broadcast), control (1, 0x00),
 * protocol (2, an ethertype). https://www.tcpdump.org/linktypes/LINKTYPE_C_HDLC.html
 */
const CHDLC_HEADER_LENGTH = 4;
/** Cisco SLARP keepalives: not IP. */
const CHDLC_SLARP = 0x8035;

/** Cisco HDLC header at `c.off`. Event: `decode.chdlc_truncated`. */
export function decodeCiscoHdlc(c: LayerCursor): Next {
  if (c.remaining() < CHDLC_HEADER_LENGTH) return c.fail(DecodeEvent.CHDLC_TRUNCATED, Next.MALFORMED);
  const protocol = u16be(c.buf, c.off + 2);
  c.off += CHDLC_HEADER_LENGTH;
  if (protocol === CHDLC_SLARP) return Next.NOT_TCP;
  c.etherType = protocol;
  return Next.ETHERTYPE;
}
