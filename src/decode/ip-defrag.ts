import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/** Largest reassembled IP payload we rebuild (the IPv6 payload-length limit; IPv4's is smaller). */
const MAX_DATAGRAM_PAYLOAD = 65535;
/** Fragment offsets are in 8-byte units (RFC 791 §3.2, RFC 8200 §4.5). */
const FRAGMENT_UNIT = 8;

/** Caps of the fragment table; finite defaults, see DecoderOptions. */
export interface IpDefragmenterOptions {
  /** Datagrams being reassembled at once. */
  maxDatagrams: number;
  /** Fragment payload bytes buffered over all datagrams. */
  maxBytes: number;
  /** An incomplete datagram is dropped this many seconds (packet time) after its first fragment. */
  timeoutSec: number;
}

/** Counters for the run summary. */
export interface IpDefragmenterStats {
  /** Fragments currently buffered. */
  fragmentsHeld: number;
  /** Most datagrams in the table at once. */
  fragmentDatagramsPeak: number;
  /** Fragments dropped because a cap was reached. */
  fragmentCapHits: number;
  /** Incomplete datagrams dropped by the timeout. */
  fragmentsTimedOut: number;
  /** Datagrams completed and handed on. */
  reassembledDatagrams: number;
}

/** A disjoint byte range of the datagram payload, copied out of its frame. */
interface Piece {
  start: number;
  end: number;
  data: Uint8Array;
}

/** One datagram being reassembled. Pieces are sorted by start and never overlap. */
interface Datagram {
  firstSeenSec: number;
  pieces: Piece[];
  fragments: number;
  /** Payload bytes held (sum of piece lengths). */
  bytes: number;
  /** Payload length, known once the last fragment (MF/M = 0) arrived; -1 before. */
  totalLength: number;
  /** Largest piece end seen. */
  maxEnd: number;
  /** Upper-layer protocol from the offset-0 fragment; -1 before it arrived. */
  protocol: number;
}

/**
 * IPv4 and IPv6 fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5), bounded by
 * datagram and byte caps and a packet-time timeout. Overlaps keep the bytes
 * that arrived first (the new fragment's overlapping part is dropped) and
 * count `decode.fragment_overlap`. Keys: IPv4 (src, dst, protocol, id), IPv6
 * (src, dst, id), taken from the packet's address fields as the IP decoder
 * wrote them.
 *
 * Fragment bytes are copied when buffered (fragments are rare; the copy keeps
 * the reader's buffer free). A completed datagram is rebuilt in one reused
 * output buffer owned by this object: the cursor then points into it, valid
 * until the next decode() call.
 */
export class IpDefragmenter {
  readonly #options: IpDefragmenterOptions;
  readonly #table = new Map<string, Datagram>();
  readonly #output = new Uint8Array(MAX_DATAGRAM_PAYLOAD);
  #bytesHeld = 0;
  #fragmentsHeld = 0;
  #peak = 0;
  #capHits = 0;
  #timedOut = 0;
  #reassembled = 0;

  constructor(options: IpDefragmenterOptions) {
    this.#options = options;
  }

  /**
   * Buffer the fragment whose payload runs from `c.off` to the layer end
   * (`c.end`, which must equal `c.wireEnd`). `fragOffset` is in bytes.
   * Returns FRAGMENT_HELD, MALFORMED (dropped, event counted), or IP_PROTO
   * with the cursor moved onto the reassembled payload and `c.ipProto` set.
   */
  add(c: LayerCursor, id: number, protocol: number, fragOffset: number, more: boolean): Next {
    const start = c.off;
    const length = c.end - start;
    if (c.end < c.wireEnd) return c.fail(DecodeEvent.FRAGMENT_TRUNCATED, Next.MALFORMED);
    if (more && length % FRAGMENT_UNIT !== 0) return c.fail(DecodeEvent.FRAGMENT_BAD_LENGTH, Next.MALFORMED);
    const fragEnd = fragOffset + length;
    if (fragEnd > MAX_DATAGRAM_PAYLOAD) return c.fail(DecodeEvent.FRAGMENT_TOO_LARGE, Next.MALFORMED);

    const key = datagramKey(c, id, protocol);
    let d = this.#table.get(key);
    if (d === undefined) {
      if (this.#table.size >= this.#options.maxDatagrams) return this.#capHit(c);
      d = { firstSeenSec: c.nowSec, pieces: [], fragments: 0, bytes: 0, totalLength: -1, maxEnd: 0, protocol: -1 };
    }
    if (!more) {
      if ((d.totalLength >= 0 && d.totalLength !== fragEnd) || d.maxEnd > fragEnd) return c.fail(DecodeEvent.FRAGMENT_BAD_LENGTH, Next.MALFORMED);
    } else if (d.totalLength >= 0 && fragEnd > d.totalLength) {
      return c.fail(DecodeEvent.FRAGMENT_BAD_LENGTH, Next.MALFORMED);
    }
    if (this.#bytesHeld + length > this.#options.maxBytes) return this.#capHit(c);

    if (d.fragments === 0) {
      this.#table.set(key, d);
      if (this.#table.size > this.#peak) this.#peak = this.#table.size;
    }
    if (!more) d.totalLength = fragEnd;
    if (fragOffset === 0) d.protocol = protocol;
    if (fragEnd > d.maxEnd) d.maxEnd = fragEnd;
    const added = insertFirstWins(d.pieces, c.buf, start, fragOffset, fragEnd);
    if (added < length) c.events.add(DecodeEvent.FRAGMENT_OVERLAP);
    d.bytes += added;
    d.fragments++;
    this.#bytesHeld += added;
    this.#fragmentsHeld++;

    if (d.totalLength < 0 || d.protocol < 0 || d.bytes !== d.totalLength) return Next.FRAGMENT_HELD;
    // Pieces are disjoint and inside [0, totalLength): equal byte count means full coverage.
    const output = this.#output;
    for (const piece of d.pieces) output.set(piece.data, piece.start);
    this.#drop(key, d);
    this.#reassembled++;
    c.buf = output;
    c.off = 0;
    c.end = d.totalLength;
    c.wireEnd = d.totalLength;
    c.ipProto = d.protocol;
    return Next.IP_PROTO;
  }

  /**
   * Drop incomplete datagrams whose first fragment is older than the timeout
   * at packet time `nowSec` (counts `decode.fragment_timeout` per datagram).
   * The table is in arrival order, so the sweep stops at the first young one.
   */
  expire(nowSec: number, c: LayerCursor): void {
    if (this.#table.size === 0) return;
    const deadline = nowSec - this.#options.timeoutSec;
    for (const [key, d] of this.#table) {
      if (d.firstSeenSec > deadline) break;
      this.#drop(key, d);
      this.#timedOut++;
      c.events.add(DecodeEvent.FRAGMENT_TIMEOUT);
    }
  }

  stats(): IpDefragmenterStats {
    return {
      fragmentsHeld: this.#fragmentsHeld,
      fragmentDatagramsPeak: this.#peak,
      fragmentCapHits: this.#capHits,
      fragmentsTimedOut: this.#timedOut,
      reassembledDatagrams: this.#reassembled,
    };
  }

  #capHit(c: LayerCursor): Next {
    this.#capHits++;
    return c.fail(DecodeEvent.FRAGMENT_CAP_REACHED, Next.MALFORMED);
  }

  #drop(key: string, d: Datagram): void {
    this.#table.delete(key);
    this.#bytesHeld -= d.bytes;
    this.#fragmentsHeld -= d.fragments;
  }
}

/** Reassembly key: version, addresses (4 or 16 bytes each), id, and for IPv4 the protocol. */
function datagramKey(c: LayerCursor, id: number, protocol: number): string {
  const n = c.ipVersion === 4 ? 4 : 16;
  const src = c.out.srcAddr;
  const dst = c.out.dstAddr;
  let key = c.ipVersion === 4 ? `4:${protocol}:${id}:` : `6:${id}:`;
  for (let i = 0; i < n; i++) key += String.fromCharCode(src[i]!, dst[i]!);
  return key;
}

/**
 * Insert the parts of [fragOffset, fragEnd) not already covered (first data
 * wins), copying them from `buf` (fragment payload starts at `bufStart`).
 * Returns the number of new bytes.
 */
function insertFirstWins(pieces: Piece[], buf: Uint8Array, bufStart: number, fragOffset: number, fragEnd: number): number {
  let pos = fragOffset;
  let added = 0;
  let i = 0;
  const take = (from: number, to: number, at: number): void => {
    pieces.splice(at, 0, { start: from, end: to, data: buf.slice(bufStart + from - fragOffset, bufStart + to - fragOffset) });
    added += to - from;
  };
  while (i < pieces.length && pos < fragEnd) {
    const p = pieces[i]!;
    if (p.end <= pos) {
      i++;
      continue;
    }
    if (p.start >= fragEnd) break;
    if (p.start > pos) {
      take(pos, p.start, i);
      i++;
    }
    pos = Math.max(pos, p.end);
    i++;
  }
  if (pos < fragEnd) take(pos, fragEnd, i);
  return added;
}
