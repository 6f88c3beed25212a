import { u16be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import { TunnelKind } from './decoded-packet.js';
import { EtherType } from './ether-type.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/** Flags/version (2) + protocol type (2), RFC 2784 §2.1. */
const GRE_BASE_LENGTH = 4;
/** First byte flag bits: checksum present (RFC 2784), routing (RFC 1701), key and sequence (RFC 2890). */
const GRE_FLAG_CHECKSUM = 0x80;
const GRE_FLAG_ROUTING = 0x40;
const GRE_FLAG_KEY = 0x20;
const GRE_FLAG_SEQUENCE = 0x10;
/** Second byte: acknowledgment present (enhanced GRE, RFC 2637 §4.1), version in the low 3 bits. */
const GRE_FLAG_ACK = 0x80;
const GRE_VERSION_MASK = 0x07;
/** Enhanced GRE (PPTP) carries PPP. */
const GRE_VERSION_PPTP = 1;
const GRE_PROTO_PPP = 0x880b;

/**
 * GRE header at `c.off` (over IP protocol 47, or over UDP port 4754, RFC
 * 8086). Optional checksum+reserved, key and sequence words are skipped; the
 * protocol type is an ethertype: IPv4, IPv6, transparent Ethernet bridging
 * (0x6558), ERSPAN type II (0x88BE with the sequence bit set), type I (0x88BE
 * with it clear: Ethernet directly, Wireshark's rule) and type III (0x22EB).
 * Records tunnel kind GRE with id 0, or ERSPAN (type I: session 0; II/III:
 * the ERSPAN decoder records the session id). The GRE key (RFC 2890) and the
 * PPTP call id are not recorded: they may differ per direction (each end
 * picks the key it expects), and directional identifiers are not part of the
 * flow key (see DecodedPacket.tunnelId). Events:
 * `decode.gre_truncated`, `decode.gre_unsupported` (routing bit, version > 1).
 */
export function decodeGre(c: LayerCursor): Next {
  if (c.remaining() < GRE_BASE_LENGTH) return c.fail(DecodeEvent.GRE_TRUNCATED, Next.MALFORMED);
  const b = c.buf;
  const o = c.off;
  const flags = b[o]!;
  const version = b[o + 1]! & GRE_VERSION_MASK;
  const protocol = u16be(b, o + 2);
  if ((flags & GRE_FLAG_ROUTING) !== 0) return c.fail(DecodeEvent.GRE_UNSUPPORTED, Next.UNSUPPORTED);
  let length = GRE_BASE_LENGTH;
  if (version === GRE_VERSION_PPTP) {
    // Key word = payload length (2) + call id (2); optional sequence, then ack.
    if ((flags & GRE_FLAG_KEY) === 0 || protocol !== GRE_PROTO_PPP) return c.fail(DecodeEvent.GRE_UNSUPPORTED, Next.UNSUPPORTED);
    length += 4;
    if ((flags & GRE_FLAG_SEQUENCE) !== 0) length += 4;
    if ((b[o + 1]! & GRE_FLAG_ACK) !== 0) length += 4;
    if (c.remaining() < length) return c.fail(DecodeEvent.GRE_TRUNCATED, Next.MALFORMED);
    c.markTunnel(TunnelKind.GRE, 0);
    c.off = o + length;
    return Next.PPP;
  }
  if (version !== 0) return c.fail(DecodeEvent.GRE_UNSUPPORTED, Next.UNSUPPORTED);
  if ((flags & GRE_FLAG_CHECKSUM) !== 0) length += 4;
  if ((flags & GRE_FLAG_KEY) !== 0) length += 4;
  if ((flags & GRE_FLAG_SEQUENCE) !== 0) length += 4;
  if (c.remaining() < length) return c.fail(DecodeEvent.GRE_TRUNCATED, Next.MALFORMED);
  c.off = o + length;
  switch (protocol) {
    case EtherType.ERSPAN2:
      if ((flags & GRE_FLAG_SEQUENCE) !== 0) return Next.ERSPAN2;
      c.markTunnel(TunnelKind.ERSPAN, 0);
      return Next.ETHERNET;
    case EtherType.ERSPAN3:
      return Next.ERSPAN3;
    case GRE_PROTO_PPP:
      c.markTunnel(TunnelKind.GRE, 0);
      return Next.PPP;
    default:
      c.markTunnel(TunnelKind.GRE, 0);
      c.etherType = protocol;
      return Next.ETHERTYPE;
  }
}
