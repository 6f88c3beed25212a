import { u32be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import { TunnelKind } from './decoded-packet.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/** Flags (8, I = 0x08) + reserved (24) + VNI (24) + reserved (8), RFC 7348 §5. */
const VXLAN_HEADER_LENGTH = 8;

/**
 * VXLAN header at `c.off` (UDP 4789 by default): records the VNI, returns
 * ETHERNET. Reserved fields and the I flag are not checked (peers accept
 * non-zero reserved bits). Event: `decode.vxlan_truncated`.
 */
export function decodeVxlan(c: LayerCursor): Next {
  if (c.remaining() < VXLAN_HEADER_LENGTH) return c.fail(DecodeEvent.VXLAN_TRUNCATED, Next.MALFORMED);
  c.markTunnel(TunnelKind.VXLAN, u32be(c.buf, c.off + 4) >>> 8);
  c.off += VXLAN_HEADER_LENGTH;
  return Next.ETHERNET;
}
