import { u16be, u16le } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/**
 * LINKTYPE_NFLOG (239): family (1), version (1), resource id (2, big-endian),
 * then TLVs of length (2) + type (2) + value, each padded to 4 bytes. TLV
 * length and type are in the capturing host's byte order; the length
 * includes the 4-byte TLV header. https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html
 */
const NFLOG_HEADER_LENGTH = 4;
const TLV_HEADER_LENGTH = 4;
/** NFULA_PAYLOAD: the logged network-layer packet. */
const NFULA_PAYLOAD = 9;
/** Type bits above these are netlink attribute flags (NLA_F_NESTED, NLA_F_NET_BYTEORDER). */
const NLA_TYPE_MASK = 0x3fff;

/**
 * NFLOG record at `c.off`: walks the TLVs to the payload (type 9) and limits
 * the layer to it; returns IP_GUESS. The byte order is detected from the first
 * TLV's type (types are small numbers). Events: `decode.nflog_truncated`,
 * `decode.nflog_bad_tlv_length`, `decode.nflog_no_payload`.
 */
export function decodeNflog(c: LayerCursor): Next {
  if (c.remaining() < NFLOG_HEADER_LENGTH + TLV_HEADER_LENGTH) return c.fail(DecodeEvent.NFLOG_TRUNCATED, Next.MALFORMED);
  const b = c.buf;
  let o = c.off + NFLOG_HEADER_LENGTH;
  const littleEndian = u16le(b, o + 2) <= 0xff;
  while (o + TLV_HEADER_LENGTH <= c.end) {
    const length = littleEndian ? u16le(b, o) : u16be(b, o);
    const type = (littleEndian ? u16le(b, o + 2) : u16be(b, o + 2)) & NLA_TYPE_MASK;
    if (length < TLV_HEADER_LENGTH) return c.fail(DecodeEvent.NFLOG_BAD_TLV_LENGTH, Next.MALFORMED);
    if (type === NFULA_PAYLOAD) {
      c.off = o + TLV_HEADER_LENGTH;
      if (o + length > c.end && !c.snapCut) return c.fail(DecodeEvent.NFLOG_BAD_TLV_LENGTH, Next.MALFORMED);
      c.limitTo(length - TLV_HEADER_LENGTH);
      return Next.IP_GUESS;
    }
    o += (length + 3) & ~3;
  }
  return c.fail(o > c.end ? DecodeEvent.NFLOG_TRUNCATED : DecodeEvent.NFLOG_NO_PAYLOAD, Next.MALFORMED);
}
