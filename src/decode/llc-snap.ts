import { u16be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/** SNAP SAP value (DSAP and SSAP both 0xAA), IEEE 802 §10. */
const SAP_SNAP = 0xaa;
/** LLC unnumbered-information control field. */
const LLC_CONTROL_UI = 0x03;
/** DSAP/SSAP + control (3) + SNAP OUI (3) + protocol id (2). */
const LLC_SNAP_LENGTH = 8;
/** DSAP 0x06: IP directly over 802.2 LLC (RFC 1042 allows it on some links). */
const SAP_IP = 0x06;

/**
 * IEEE 802.2 LLC at `c.off` (802.3, 802.11 and SLL's LLC frames). LLC/SNAP
 * (AA AA 03 + OUI + ethertype, RFC 1042) sets `c.etherType` and returns
 * ETHERTYPE; SAP 0x06 returns IPV4; other SAPs (STP, NetBIOS, IPX...) are
 * NOT_TCP. Event: `decode.llc_truncated`.
 */
export function decodeLlc(c: LayerCursor): Next {
  if (c.remaining() < 3) return c.fail(DecodeEvent.LLC_TRUNCATED, Next.MALFORMED);
  const b = c.buf;
  const o = c.off;
  if (b[o] === SAP_SNAP && b[o + 1] === SAP_SNAP && b[o + 2] === LLC_CONTROL_UI) {
    if (c.remaining() < LLC_SNAP_LENGTH) return c.fail(DecodeEvent.LLC_TRUNCATED, Next.MALFORMED);
    c.etherType = u16be(b, o + 6);
    c.off += LLC_SNAP_LENGTH;
    return Next.ETHERTYPE;
  }
  if (b[o] === SAP_IP && b[o + 1] === SAP_IP && b[o + 2] === LLC_CONTROL_UI) {
    c.off += 3;
    return Next.IPV4;
  }
  return Next.NOT_TCP;
}
