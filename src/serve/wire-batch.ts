/**
 * WireBatch: a run of stream messages framed once as unmasked server-to-client
 * WebSocket data frames (RFC 6455 §5.2: FIN set, opcode 0x1 text for JSON or
 * 0x2 binary for MessagePack, 7/16/64-bit payload length, no mask), laid end
 * to end in one Buffer. WebSocket frames are self-delimiting, so the same
 * bytes written to any number of sockets arrive as the same sequence of
 * messages: the fan-out frames a slice once per (encoding, filter, cursor)
 * audience and hands every client in it the same Buffer — one socket write
 * per client per slice, with no per-client framing or copying.
 *
 * Only valid on connections without permessage-deflate (the stream server
 * disables it): a compressed connection would need RSV1 and per-connection
 * deflate state.
 *
 * Ownership: `build` copies the payloads it is given; the returned Buffer is
 * new and may be shared read-only by every writer.
 */
import type { StreamFrame } from './frame-ring.js';
import type { CompiledFilter } from './stream-filter.js';
import type { StreamEncoding } from './stream-protocol.js';

/** Bytes of the frame header for a payload of `length` bytes (no mask). */
export function frameHeaderLength(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10;
}

/** Writes the header of a final, unmasked data frame at `out[at]`; returns the bytes written. */
export function writeFrameHeader(out: Buffer, at: number, length: number, binary: boolean): number {
  out[at] = binary ? 0x82 : 0x81;
  if (length < 126) {
    out[at + 1] = length;
    return 2;
  }
  if (length < 0x10000) {
    out[at + 1] = 126;
    out.writeUInt16BE(length, at + 2);
    return 4;
  }
  out[at + 1] = 127;
  out.writeUInt32BE(Math.floor(length / 0x1_0000_0000), at + 2);
  out.writeUInt32BE(length >>> 0, at + 6);
  return 10;
}

export interface WireBatch {
  /** The framed messages, end to end (empty when none matched). */
  bytes: Buffer;
  /** Messages in `bytes`. */
  messages: number;
}

const EMPTY: WireBatch = Object.freeze({ bytes: Buffer.alloc(0), messages: 0 });

/**
 * Frames the messages of `frames` (seq order) with seq > `after` that
 * `filter` matches, in `encoding`.
 */
export function buildWireBatch(frames: readonly StreamFrame[], after: number, filter: CompiledFilter, encoding: StreamEncoding): WireBatch {
  const picked: Buffer[] = [];
  let total = 0;
  for (const f of frames) {
    if (f.seq <= after || !f.matches(filter)) continue;
    const p = f.bytes(encoding);
    picked.push(p);
    total += frameHeaderLength(p.length) + p.length;
  }
  if (picked.length === 0) return EMPTY;
  const out = Buffer.allocUnsafe(total);
  const binary = encoding === 'msgpack';
  let at = 0;
  for (const p of picked) {
    at += writeFrameHeader(out, at, p.length, binary);
    at += p.copy(out, at);
  }
  return { bytes: out, messages: picked.length };
}
