import { u16be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/** Destination MAC (6) + source MAC (6) + type/length (2). */
const ETHERNET_HEADER_LENGTH = 14;
/** Type/length values up to this are an IEEE 802.3 length (IEEE 802.3 §3.2.6). */
const MAX_8023_LENGTH = 1500;
/** Values from this up are Ethernet II ethertypes. */
const MIN_ETHERTYPE = 0x0600;

/**
 * Ethernet II or IEEE 802.3 header at `c.off`. Ethernet II sets `c.etherType`
 * and returns ETHERTYPE; 802.3 limits the layer to the length field and
 * returns LLC (802.2 header follows). Events: `decode.ethernet_truncated`,
 * `decode.ethernet_bad_length` (length field in 1501..1535).
 */
export function decodeEthernet(c: LayerCursor): Next {
  if (c.remaining() < ETHERNET_HEADER_LENGTH) return c.fail(DecodeEvent.ETHERNET_TRUNCATED, Next.MALFORMED);
  const typeOrLength = u16be(c.buf, c.off + 12);
  c.off += ETHERNET_HEADER_LENGTH;
  if (typeOrLength >= MIN_ETHERTYPE) {
    c.etherType = typeOrLength;
    return Next.ETHERTYPE;
  }
  if (typeOrLength > MAX_8023_LENGTH) return c.fail(DecodeEvent.ETHERNET_BAD_LENGTH, Next.MALFORMED);
  // 802.3: the length field covers the LLC header and data, not the padding.
  c.limitTo(typeOrLength);
  return Next.LLC;
}
