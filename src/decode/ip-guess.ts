import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/**
 * Raw IP (LINKTYPE_RAW 101, and 12/14 on some BSDs), NFLOG payloads, GTP-U
 * and MPLS-style payloads: the version nibble at `c.off` decides. Events:
 * `decode.ipv4_truncated` (empty), `decode.ip_unknown_version`.
 */
export function guessIpVersion(c: LayerCursor): Next {
  if (c.remaining() < 1) return c.fail(DecodeEvent.IPV4_TRUNCATED, Next.MALFORMED);
  const version = c.buf[c.off]! >> 4;
  if (version === 4) return Next.IPV4;
  if (version === 6) return Next.IPV6;
  return c.fail(DecodeEvent.IP_UNKNOWN_VERSION, Next.UNSUPPORTED);
}
