import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';
import { TunnelKind } from './decoded-packet.js';

/** One label stack entry: label 20 bits, TC 3, S (bottom of stack) 1, TTL 8 (RFC 3032 §2.1). */
const MPLS_ENTRY_LENGTH = 4;
/** Pseudowire control word (RFC 4385) before an Ethernet payload. */
const PW_CONTROL_WORD_LENGTH = 4;

/**
 * An MPLS label stack at `c.off`, up to and including the bottom-of-stack
 * entry. The payload type is not signalled: guess by the first nibble (4 →
 * IPv4, 6 → IPv6, 0 → pseudowire control word then Ethernet), as Wireshark
 * and Zeek do. Records tunnel kind MPLS with id 0: labels are assigned per
 * hop and per direction (each LSR advertises its own), and directional
 * identifiers are not part of the flow key (see DecodedPacket.tunnelId). Events:
 * `decode.mpls_truncated`, `decode.mpls_unknown_payload`.
 */
export function decodeMpls(c: LayerCursor): Next {
  const b = c.buf;
  c.markTunnel(TunnelKind.MPLS, 0);
  for (;;) {
    if (c.remaining() < MPLS_ENTRY_LENGTH) return c.fail(DecodeEvent.MPLS_TRUNCATED, Next.MALFORMED);
    const o = c.off;
    c.off += MPLS_ENTRY_LENGTH;
    if ((b[o + 2]! & 0x01) !== 0) break;
  }
  if (c.remaining() < 1) return c.fail(DecodeEvent.MPLS_TRUNCATED, Next.MALFORMED);
  switch (b[c.off]! >> 4) {
    case 4:
      return Next.IPV4;
    case 6:
      return Next.IPV6;
    case 0:
      if (c.remaining() < PW_CONTROL_WORD_LENGTH) return c.fail(DecodeEvent.MPLS_TRUNCATED, Next.MALFORMED);
      c.off += PW_CONTROL_WORD_LENGTH;
      return Next.ETHERNET;
    default:
      return c.fail(DecodeEvent.MPLS_UNKNOWN_PAYLOAD, Next.UNSUPPORTED);
  }
}
