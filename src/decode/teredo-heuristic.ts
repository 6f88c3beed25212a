import { u16be } from './byte-order.js';

/**
 * Strict Teredo detection for UDP on ports not configured for a tunnel (Zeek
 * and Wireshark's `teredo.heuristic_teredo` find Teredo clients and relays
 * on any port: a relay or peer picks its own). RFC 4380 §5.1.1 layout:
 * optional authentication indicator (0x0001, ID-len (1), AU-len (1), client
 * id, authentication value, nonce (8), confirmation (1)), optional origin
 * indication (0x0000, port (2), address (4)), then an IPv6 packet.
 *
 * Stricter than Wireshark's heuristic (which checks only version and length)
 * so ordinary UDP rarely matches: the IPv6 header must have
 *   - version 6;
 *   - payload length + 40 equal to exactly the rest of the UDP payload
 *     (after the indicators, per the UDP length field);
 *   - next header TCP, UDP, ICMPv6, no next header (bubbles) or fragment;
 *   - a source or destination in the Teredo prefix 2001:0000::/32 (RFC 4380
 *     §2.6) or link-local fe80::/64 (router solicitations/advertisements
 *     between client and server).
 */
const AUTH_INDICATOR = 0x0001;
/** Indicator (2) + ID-len (1) + AU-len (1) + nonce (8) + confirmation (1). */
const AUTH_FIXED_LENGTH = 13;
const ORIGIN_INDICATOR = 0x0000;
const ORIGIN_LENGTH = 8;
const IPV6_HEADER_LENGTH = 40;
/** Next header values a Teredo packet may carry directly. */
const NH_TCP = 6;
const NH_UDP = 17;
const NH_FRAGMENT = 44;
const NH_ICMPV6 = 58;
const NH_NO_NEXT = 59;

/**
 * True when the UDP payload at `buf[off..]` looks like Teredo. `present` is
 * the number of payload bytes captured from `off`, `wireLength` the payload
 * length the UDP header gives (>= present when the snap length cut the
 * frame). Reads only; never throws.
 */
export function looksLikeTeredo(buf: Uint8Array, off: number, present: number, wireLength: number): boolean {
  let o = off;
  const end = off + present;
  if (end - o < 2) return false;
  if (u16be(buf, o) === AUTH_INDICATOR) {
    if (end - o < 4) return false;
    o += AUTH_FIXED_LENGTH + buf[o + 2]! + buf[o + 3]!;
  }
  if (end - o >= 2 && u16be(buf, o) === ORIGIN_INDICATOR) o += ORIGIN_LENGTH;
  if (end - o < IPV6_HEADER_LENGTH) return false;
  if (buf[o]! >> 4 !== 6) return false;
  if (u16be(buf, o + 4) + IPV6_HEADER_LENGTH !== wireLength - (o - off)) return false;
  const nextHeader = buf[o + 6]!;
  if (nextHeader !== NH_TCP && nextHeader !== NH_UDP && nextHeader !== NH_ICMPV6 && nextHeader !== NH_NO_NEXT && nextHeader !== NH_FRAGMENT) {
    return false;
  }
  return teredoOrLinkLocal(buf, o + 8) || teredoOrLinkLocal(buf, o + 24);
}

/** Address at `buf[a..a+16)` in 2001:0000::/32 or fe80::/64. */
function teredoOrLinkLocal(buf: Uint8Array, a: number): boolean {
  if (buf[a] === 0x20 && buf[a + 1] === 0x01 && buf[a + 2] === 0x00 && buf[a + 3] === 0x00) return true;
  if (buf[a] !== 0xfe || buf[a + 1] !== 0x80) return false;
  for (let i = 2; i < 8; i++) if (buf[a + i] !== 0) return false;
  return true;
}
