import { u16be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/** VER/TYPE (1) + CODE (1) + SESSION_ID (2) + LENGTH (2), RFC 2516 §4. */
const PPPOE_HEADER_LENGTH = 6;
/** VER = 1, TYPE = 1. */
const PPPOE_VER_TYPE = 0x11;
/** Session-stage packets carry CODE 0x00. */
const PPPOE_CODE_SESSION = 0x00;

/**
 * PPPoE session header at `c.off` (ethertype 0x8864). LENGTH counts the PPP
 * payload (not this header) and limits the layer; returns PPP. Events:
 * `decode.pppoe_truncated`, `decode.pppoe_bad_header` (version/type or code).
 */
export function decodePppoe(c: LayerCursor): Next {
  if (c.remaining() < PPPOE_HEADER_LENGTH) return c.fail(DecodeEvent.PPPOE_TRUNCATED, Next.MALFORMED);
  const b = c.buf;
  const o = c.off;
  if (b[o] !== PPPOE_VER_TYPE || b[o + 1] !== PPPOE_CODE_SESSION) return c.fail(DecodeEvent.PPPOE_BAD_HEADER, Next.MALFORMED);
  const length = u16be(b, o + 4);
  c.off += PPPOE_HEADER_LENGTH;
  c.limitTo(length);
  return Next.PPP;
}
