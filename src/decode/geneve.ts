import { u16be, u32be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import { TunnelKind } from './decoded-packet.js';
import { EtherType } from './ether-type.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/**
 * Ver (2) Opt Len (6, 4-byte words) | O C Rsvd (8) | Protocol Type (16) | VNI
 * (24) Reserved (8), then the options (RFC 8926 §3.4).
 */
const GENEVE_BASE_LENGTH = 8;

/**
 * GENEVE header at `c.off` (UDP 6081 by default): options skipped by Opt
 * Len; records the VNI; the protocol type (an ethertype: 0x6558 Ethernet,
 * IPv4, IPv6) picks the next layer. Events: `decode.geneve_truncated`,
 * `decode.geneve_bad_version` (version != 0).
 */
export function decodeGeneve(c: LayerCursor): Next {
  if (c.remaining() < GENEVE_BASE_LENGTH) return c.fail(DecodeEvent.GENEVE_TRUNCATED, Next.MALFORMED);
  const b = c.buf;
  const o = c.off;
  if (b[o]! >> 6 !== 0) return c.fail(DecodeEvent.GENEVE_BAD_VERSION, Next.MALFORMED);
  const length = GENEVE_BASE_LENGTH + (b[o]! & 0x3f) * 4;
  if (c.remaining() < length) return c.fail(DecodeEvent.GENEVE_TRUNCATED, Next.MALFORMED);
  const protocol = u16be(b, o + 2);
  c.markTunnel(TunnelKind.GENEVE, u32be(b, o + 4) >>> 8);
  c.off = o + length;
  if (protocol === EtherType.TEB) return Next.ETHERNET;
  c.etherType = protocol;
  return Next.ETHERTYPE;
}
