import { u16be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import { TunnelKind } from './decoded-packet.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/**
 * GTP-U v1 (3GPP TS 29.281 §5.1): flags (Version 3, PT 1, spare, E, S, PN) |
 * message type | length (2, bytes after these 8) | TEID (4); when any of E/S/PN
 * is set: sequence (2) + N-PDU (1) + next extension type (1); each extension
 * header is length (1, 4-byte words, whole header) + content + next type (1).
 */
const GTP_MANDATORY_LENGTH = 8;
const GTP_OPTIONAL_LENGTH = 4;
const GTP_VERSION_1 = 1;
/** Protocol type bit: 1 = GTP (0 = GTP'). */
const GTP_FLAG_PT = 0x10;
const GTP_FLAGS_OPTIONAL = 0x07;
/** G-PDU: the message carries a user packet. */
const GTP_MSG_GPDU = 0xff;

/**
 * GTP-U header at `c.off` (UDP 2152 by default). G-PDUs continue to the inner
 * IP packet (version by nibble) and record tunnel kind GTP with id 0: the
 * TEID names the receiving end's tunnel endpoint, so uplink and downlink
 * carry different TEIDs, and directional identifiers are not part of the
 * flow key (see DecodedPacket.tunnelId);
 * other messages (echo, error indication, end marker) are NOT_TCP. Events:
 * `decode.gtp_truncated`, `decode.gtp_bad_version` (not v1 GTP),
 * `decode.gtp_bad_ext_length` (zero-length extension header).
 */
export function decodeGtpU(c: LayerCursor): Next {
  if (c.remaining() < GTP_MANDATORY_LENGTH) return c.fail(DecodeEvent.GTP_TRUNCATED, Next.MALFORMED);
  const b = c.buf;
  const o = c.off;
  const flags = b[o]!;
  if (flags >> 5 !== GTP_VERSION_1 || (flags & GTP_FLAG_PT) === 0) return c.fail(DecodeEvent.GTP_BAD_VERSION, Next.MALFORMED);
  if (b[o + 1] !== GTP_MSG_GPDU) return Next.NOT_TCP;
  c.off = o + GTP_MANDATORY_LENGTH;
  c.limitTo(u16be(b, o + 2));
  if ((flags & GTP_FLAGS_OPTIONAL) !== 0) {
    if (c.remaining() < GTP_OPTIONAL_LENGTH) return c.fail(DecodeEvent.GTP_TRUNCATED, Next.MALFORMED);
    let nextType = b[c.off + 3]!;
    c.off += GTP_OPTIONAL_LENGTH;
    while (nextType !== 0) {
      if (c.remaining() < 1) return c.fail(DecodeEvent.GTP_TRUNCATED, Next.MALFORMED);
      const length = b[c.off]! * 4;
      if (length === 0) return c.fail(DecodeEvent.GTP_BAD_EXT_LENGTH, Next.MALFORMED);
      if (c.remaining() < length) return c.fail(DecodeEvent.GTP_TRUNCATED, Next.MALFORMED);
      nextType = b[c.off + length - 1]!;
      c.off += length;
    }
  }
  c.markTunnel(TunnelKind.GTP, 0);
  return Next.IP_GUESS;
}
