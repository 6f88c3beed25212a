import { DecodeEvent } from './decode-event.js';
import { TunnelKind } from './decoded-packet.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/**
 * AYIYA (draft-massar-v6ops-ayiya-02 §6): IDlen (4, log2 of bytes) IDtype (4)
 * | SigLen (4, 4-byte words) HshMeth (4) | AutMeth (4) OpCode (4) | Next Header
 * (8) | Epoch time (32) | Identity | Signature. OpCode 1 = forward.
 */
const AYIYA_FIXED_LENGTH = 8;
const OPCODE_FORWARD = 1;
const NEXT_HEADER_IPV4 = 4;
const NEXT_HEADER_IPV6 = 41;

/**
 * AYIYA header at `c.off` (UDP 5072 by default). Forwarded IPv6 / IPv4
 * packets continue (tunnel kind AYIYA); other opcodes and payloads are
 * NOT_TCP. Event: `decode.ayiya_truncated`.
 */
export function decodeAyiya(c: LayerCursor): Next {
  if (c.remaining() < AYIYA_FIXED_LENGTH) return c.fail(DecodeEvent.AYIYA_TRUNCATED, Next.MALFORMED);
  const b = c.buf;
  const o = c.off;
  const length = AYIYA_FIXED_LENGTH + (1 << (b[o]! >> 4)) + (b[o + 1]! >> 4) * 4;
  if ((b[o + 2]! & 0x0f) !== OPCODE_FORWARD) return Next.NOT_TCP;
  if (c.remaining() < length) return c.fail(DecodeEvent.AYIYA_TRUNCATED, Next.MALFORMED);
  const nextHeader = b[o + 3]!;
  c.off = o + length;
  if (nextHeader === NEXT_HEADER_IPV6) {
    c.markTunnel(TunnelKind.AYIYA, 0);
    return Next.IPV6;
  }
  if (nextHeader === NEXT_HEADER_IPV4) {
    c.markTunnel(TunnelKind.AYIYA, 0);
    return Next.IPV4;
  }
  return Next.NOT_TCP;
}
