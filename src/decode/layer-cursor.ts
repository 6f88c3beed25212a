import type { EventCounter } from '../stats/event-counter.js';
import type { DecodedPacket } from './decoded-packet.js';
import type { IpDefragmenter } from './ip-defrag.js';

const EMPTY = new Uint8Array(0);

/**
 * The decoder's reused walking state for one frame: which buffer, where the
 * current header starts, where the bytes present end and where the enclosing
 * length fields say the packet ends. Layer functions read the header at `off`,
 * then advance `off` (and narrow `end` / `wireEnd`) to their payload.
 *
 * Offsets are byte indexes into `buf`. `buf` is the frame's data or the
 * defragmenter's output buffer; it is valid until the next decode() call.
 */
export class LayerCursor {
  /** Bytes being decoded (frame data, or a reassembled IP payload). */
  buf: Uint8Array = EMPTY;
  /** Start of the header to decode next. */
  off = 0;
  /** End of the bytes present for the current layer (<= buf.length). */
  end = 0;
  /**
   * End of the current layer according to the length fields seen so far; can
   * exceed `end` when the snap length cut the frame.
   */
  wireEnd = 0;
  /** True when the capture cut this frame (capturedLength < originalLength). */
  snapCut = false;
  /** Ethertype / protocol type to dispatch on for Next.ETHERTYPE. */
  etherType = 0;
  /** IP protocol / next header to dispatch on for Next.IP_PROTO. */
  ipProto = 0;
  /** Version of the IP header that `ipProto` came from (4 or 6). */
  ipVersion: 4 | 6 = 4;
  /** Offset of the innermost IP header's fixed part (for fragment keys). */
  ipHeaderOff = 0;
  /** VLAN tags seen so far in this frame (any depth; the first two are recorded). */
  vlanCount = 0;
  /** Packet time of the frame, seconds (fractional). */
  nowSec = 0;
  /** Maps a UDP port to the Next code of its tunnel, 0 when none. */
  udpPortTable: Uint8Array;
  /** Try the strict Teredo heuristic on UDP to ports without a tunnel (DecoderOptions.teredoHeuristic). */
  teredoHeuristic = true;
  readonly events: EventCounter;
  readonly out: DecodedPacket;
  readonly defrag: IpDefragmenter;

  constructor(events: EventCounter, out: DecodedPacket, defrag: IpDefragmenter, udpPortTable: Uint8Array) {
    this.events = events;
    this.out = out;
    this.defrag = defrag;
    this.udpPortTable = udpPortTable;
  }

  /**
   * Start a frame: `captured` bytes of `buf` are present, `cutBytes` more
   * were on the wire but cut by the snap length.
   */
  reset(buf: Uint8Array, captured: number, cutBytes: number): void {
    this.buf = buf;
    this.off = 0;
    this.end = captured;
    this.wireEnd = captured + cutBytes;
    this.snapCut = cutBytes > 0;
    this.etherType = 0;
    this.ipProto = 0;
    this.vlanCount = 0;
  }

  /** Bytes present from `off` to `end`. */
  remaining(): number {
    return this.end - this.off;
  }

  /**
   * Limit the current layer to `length` bytes from `off` (a length field):
   * `wireEnd` becomes off + length (never beyond the enclosing layer's),
   * `end` is clipped to it.
   */
  limitTo(length: number): void {
    if (this.off + length < this.wireEnd) this.wireEnd = this.off + length;
    if (this.end > this.wireEnd) this.end = this.wireEnd;
  }

  /**
   * Record a tunnel on the packet unless an outer one was recorded already.
   * `id` is a tenant identifier the same in both directions, or 0 (see
   * DecodedPacket.tunnelId).
   */
  markTunnel(kind: number, id: number): void {
    if (this.out.tunnelKind === 0) {
      this.out.tunnelKind = kind;
      this.out.tunnelId = id;
    }
  }

  /** Record a VLAN id: the first goes to vlanOuter, the second to vlanInner. */
  addVlan(id: number): void {
    if (this.vlanCount === 0) this.out.vlanOuter = id;
    else if (this.vlanCount === 1) this.out.vlanInner = id;
    this.vlanCount++;
  }

  /** Count `name` and return `code` (for `return c.fail(...)`). */
  fail<T extends number>(name: string, code: T): T {
    this.events.add(name);
    return code;
  }
}
