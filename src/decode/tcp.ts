import { u16be, u32be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/** Minimum TCP header: data offset 5 words (RFC 9293 §3.1). */
const TCP_MIN_HEADER_LENGTH = 20;
/** Option kinds (RFC 9293 §3.2, RFC 7323 §2.2, RFC 2018 §2). */
const OPT_END = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WINDOW_SCALE = 3;
const OPT_MSS_LENGTH = 4;
const OPT_WINDOW_SCALE_LENGTH = 3;

/**
 * TCP header at `c.off`; the layer's `end`/`wireEnd` are the IP payload's.
 * Fills ports, seq/ack, flags, window, MSS and window scale (others skipped
 * by length; a bad option length stops option parsing with
 * `decode.tcp_bad_option_length`), `payload` (view into `c.buf`, bytes
 * present) and `payloadWireLength` (from the IP length). A payload shorter
 * than its wire length counts `decode.tcp_truncated_payload` and still
 * returns TCP_DONE. Events: `decode.tcp_short_segment` (IP payload under 20
 * bytes), `decode.tcp_bad_data_offset` (< 5 words, or past the IP payload),
 * `decode.tcp_truncated` (header valid but not all captured).
 */
export function decodeTcp(c: LayerCursor): Next {
  const b = c.buf;
  const o = c.off;
  const avail = c.remaining();
  const wireAvail = c.wireEnd - o;
  if (wireAvail < TCP_MIN_HEADER_LENGTH) return c.fail(DecodeEvent.TCP_SHORT_SEGMENT, Next.MALFORMED);
  if (avail < TCP_MIN_HEADER_LENGTH) return c.fail(DecodeEvent.TCP_TRUNCATED, Next.MALFORMED);
  const dataOffset = (b[o + 12]! >> 4) * 4;
  if (dataOffset < TCP_MIN_HEADER_LENGTH || dataOffset > wireAvail) return c.fail(DecodeEvent.TCP_BAD_DATA_OFFSET, Next.MALFORMED);
  if (dataOffset > avail) return c.fail(DecodeEvent.TCP_TRUNCATED, Next.MALFORMED);

  const out = c.out;
  out.srcPort = u16be(b, o);
  out.dstPort = u16be(b, o + 2);
  out.seq = u32be(b, o + 4);
  out.ack = u32be(b, o + 8);
  out.tcpFlags = b[o + 13]!;
  out.window = u16be(b, o + 14);
  out.mss = 0;
  out.windowScale = -1;
  if (dataOffset > TCP_MIN_HEADER_LENGTH) parseOptions(c, o + TCP_MIN_HEADER_LENGTH, o + dataOffset);

  const payloadStart = o + dataOffset;
  out.payload = b.subarray(payloadStart, c.end);
  out.payloadWireLength = c.wireEnd - payloadStart;
  if (out.payload.length < out.payloadWireLength) c.events.add(DecodeEvent.TCP_TRUNCATED_PAYLOAD);
  return Next.TCP_DONE;
}

/** Walk the options in [start, end): kind, length (includes kind and length bytes), value. */
function parseOptions(c: LayerCursor, start: number, end: number): void {
  const b = c.buf;
  const out = c.out;
  let p = start;
  while (p < end) {
    const kind = b[p]!;
    if (kind === OPT_END) return;
    if (kind === OPT_NOP) {
      p++;
      continue;
    }
    const length = p + 1 < end ? b[p + 1]! : 0;
    if (length < 2 || p + length > end) {
      c.events.add(DecodeEvent.TCP_BAD_OPTION_LENGTH);
      return;
    }
    if (kind === OPT_MSS && length === OPT_MSS_LENGTH) out.mss = u16be(b, p + 2);
    else if (kind === OPT_WINDOW_SCALE && length === OPT_WINDOW_SCALE_LENGTH) out.windowScale = b[p + 2]!;
    p += length;
  }
}
