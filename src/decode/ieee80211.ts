import { u16le } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/** Radiotap: version (1) = 0, pad (1), length (2, little-endian, whole header), present (4). https://www.radiotap.org/ */
const RADIOTAP_MIN_LENGTH = 8;

/** 802.11 MAC header without Address 4 / QoS / HT control (IEEE 802.11-2020 §9.3.2.1). */
const WLAN_BASE_HEADER_LENGTH = 24;
const WLAN_ADDR4_LENGTH = 6;
const WLAN_QOS_CONTROL_LENGTH = 2;
const WLAN_HT_CONTROL_LENGTH = 4;
/** Frame control type field value for data frames. */
const WLAN_TYPE_DATA = 2;
/** Subtype bits: 0x8 = QoS, 0x4 = no data (Null / QoS Null / CF-Ack...). */
const SUBTYPE_QOS = 0x08;
const SUBTYPE_NO_DATA = 0x04;
/** Frame control flags byte. */
const FLAG_TO_DS = 0x01;
const FLAG_FROM_DS = 0x02;
const FLAG_PROTECTED = 0x40;
/** +HTC/Order: an HT control field follows QoS control in QoS data frames. */
const FLAG_ORDER = 0x80;
/** QoS control bit 7: the payload is an A-MSDU. */
const QOS_AMSDU_PRESENT = 0x80;

/** Radiotap header at `c.off`: skipped by its length; returns the 802.11 frame. Event: `decode.radiotap_truncated`. */
export function decodeRadiotap(c: LayerCursor): Next {
  if (c.remaining() < RADIOTAP_MIN_LENGTH) return c.fail(DecodeEvent.RADIOTAP_TRUNCATED, Next.MALFORMED);
  const length = u16le(c.buf, c.off + 2);
  if (length < RADIOTAP_MIN_LENGTH || length > c.remaining()) return c.fail(DecodeEvent.RADIOTAP_TRUNCATED, Next.MALFORMED);
  c.off += length;
  return decodeWlan(c);
}

/**
 * IEEE 802.11 MAC frame at `c.off`. Data and QoS data frames continue to the
 * LLC/SNAP header; management, control and no-data frames are NOT_TCP.
 * Events: `decode.wlan_truncated`, `decode.wlan_protected` (encrypted),
 * `decode.wlan_amsdu` (aggregated MSDUs are not unpacked).
 */
export function decodeWlan(c: LayerCursor): Next {
  if (c.remaining() < WLAN_BASE_HEADER_LENGTH) return c.fail(DecodeEvent.WLAN_TRUNCATED, Next.MALFORMED);
  const b = c.buf;
  const fc0 = b[c.off]!;
  const flags = b[c.off + 1]!;
  const type = (fc0 >> 2) & 0x03;
  const subtype = fc0 >> 4;
  if (type !== WLAN_TYPE_DATA || (subtype & SUBTYPE_NO_DATA) !== 0) return Next.NOT_TCP;
  let length = WLAN_BASE_HEADER_LENGTH;
  if ((flags & (FLAG_TO_DS | FLAG_FROM_DS)) === (FLAG_TO_DS | FLAG_FROM_DS)) length += WLAN_ADDR4_LENGTH;
  let amsdu = false;
  if ((subtype & SUBTYPE_QOS) !== 0) {
    if (c.remaining() < length + WLAN_QOS_CONTROL_LENGTH) return c.fail(DecodeEvent.WLAN_TRUNCATED, Next.MALFORMED);
    amsdu = (b[c.off + length]! & QOS_AMSDU_PRESENT) !== 0;
    length += WLAN_QOS_CONTROL_LENGTH;
    if ((flags & FLAG_ORDER) !== 0) length += WLAN_HT_CONTROL_LENGTH;
  }
  if (c.remaining() < length) return c.fail(DecodeEvent.WLAN_TRUNCATED, Next.MALFORMED);
  if ((flags & FLAG_PROTECTED) !== 0) return c.fail(DecodeEvent.WLAN_PROTECTED, Next.UNSUPPORTED);
  if (amsdu) return c.fail(DecodeEvent.WLAN_AMSDU, Next.UNSUPPORTED);
  c.off += length;
  return Next.LLC;
}
