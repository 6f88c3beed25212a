import { u16be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';
import { looksLikeTeredo } from './teredo-heuristic.js';

/** Source port, destination port, length (header included), checksum (RFC 768). */
const UDP_HEADER_LENGTH = 8;

/**
 * UDP header at `c.off`. A datagram to or from a configured tunnel port
 * (destination checked first) continues to that tunnel, limited to the UDP
 * length. Any other UDP continues to Teredo when `c.teredoHeuristic` is on
 * and the payload passes looksLikeTeredo (counts `decode.teredo_heuristic`),
 * else it is NOT_TCP. Events: `decode.udp_truncated`, `decode.udp_bad_length`
 * (length < 8 or past the IP payload, on a tunnel port only: other UDP is
 * not ours to judge).
 */
export function decodeUdp(c: LayerCursor): Next {
  if (c.remaining() < UDP_HEADER_LENGTH) return c.fail(DecodeEvent.UDP_TRUNCATED, Next.MALFORMED);
  const b = c.buf;
  const o = c.off;
  const table = c.udpPortTable;
  let tunnel: number = table[u16be(b, o + 2)]! || table[u16be(b, o)]!;
  if (tunnel === 0 && !c.teredoHeuristic) return Next.NOT_TCP;
  const length = u16be(b, o + 4);
  if (length < UDP_HEADER_LENGTH || length > c.wireEnd - o) {
    return tunnel === 0 ? Next.NOT_TCP : c.fail(DecodeEvent.UDP_BAD_LENGTH, Next.MALFORMED);
  }
  const payload = o + UDP_HEADER_LENGTH;
  if (tunnel === 0) {
    const present = Math.min(c.end, o + length) - payload;
    if (!looksLikeTeredo(b, payload, present, length - UDP_HEADER_LENGTH)) return Next.NOT_TCP;
    c.events.add(DecodeEvent.TEREDO_HEURISTIC);
    tunnel = Next.TEREDO;
  }
  c.off = payload;
  c.limitTo(length - UDP_HEADER_LENGTH);
  return tunnel as Next;
}
