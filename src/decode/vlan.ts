import { u16be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/** TCI (PCP 3 bits, DEI 1 bit, VID 12 bits) + inner ethertype (IEEE 802.1Q §9.6). */
const VLAN_TAG_LENGTH = 4;
const VID_MASK = 0x0fff;

/**
 * One 802.1Q / 802.1ad tag at `c.off` (any nesting depth: the decoder loops
 * back here for each). Records the first two VLAN ids on the packet, sets
 * `c.etherType` to the encapsulated type. Event: `decode.vlan_truncated`.
 */
export function decodeVlan(c: LayerCursor): Next {
  if (c.remaining() < VLAN_TAG_LENGTH) return c.fail(DecodeEvent.VLAN_TRUNCATED, Next.MALFORMED);
  c.addVlan(u16be(c.buf, c.off) & VID_MASK);
  c.etherType = u16be(c.buf, c.off + 2);
  c.off += VLAN_TAG_LENGTH;
  return Next.ETHERTYPE;
}
