import type { ConnectionHandler, FlowDirection, PacketContext } from './connection-handler.js';
import type { ReassemblyBudget, ReassemblyCap } from './reassembly-budget.js';
import { seqAdd, seqDiff, seqGt, seqLt } from './tcp-seq.js';

/**
 * One buffered out-of-order piece. `data` is a private copy of `len` bytes,
 * or null for bytes known to be missing (cut by the snap length).
 */
interface Segment {
  seq: number;
  len: number;
  data: Uint8Array | null;
  /** Peer ACK offset of the packet that carried it (PacketContext.peerAckOffset). */
  ackOffset: number;
}

/** Largest ACK distance ahead of nextSeq we believe (RFC 7323 §2.3: max window 2^30). */
const MAX_ACK_AHEAD = 2 ** 30;

/**
 * Reassembly of one direction of a TCP connection (gopacket's "half
 * connection"). Delivers in-order bytes and explicit gaps to the connection's
 * handler, in sequence order, each byte at most once.
 *
 * - `nextSeq` (uint32) is the sequence number of the next byte to deliver;
 *   unknown (`started` false) until a SYN, a SYN-ACK's ACK or the first data
 *   segment fixes it.
 * - In-order bytes go out as views of the packet payload (no copy); only
 *   out-of-order bytes are copied into `#segs` (sorted, non-overlapping, all
 *   after `nextSeq`).
 * - Overlaps: the first copy of a byte wins; a later copy that differs raises
 *   event `tcp.overlap_inconsistent` (only bytes still buffered can be compared).
 * - Gaps: a hole the peer has ACKed and that has known data (a buffered
 *   segment or the FIN) after it; a cap hit; snap-length cuts; and at close
 *   every hole before buffered data or the FIN.
 * - Offsets: `offset` counts the bytes delivered and gapped so far (the
 *   stream offset of `nextSeq`, not wrapped at 2^32); `ackOffset()` turns an
 *   ACK of this direction into that base. Each onData call gets, in
 *   `ctx.peerAckOffset`, the ACK offset of the packet that carried its first
 *   byte (kept with buffered segments); onGap / onEnd get -1.
 */
export class TcpStream {
  readonly dir: FlowDirection;
  /** The other direction (set by the connection after construction). */
  peer!: TcpStream;
  started = false;
  nextSeq = 0;
  /** Stream offset of `nextSeq`: bytes delivered + gap bytes since the start (0 = first byte after the ISN, or first byte seen). */
  offset = 0;
  synSeen = false;
  isn = 0;
  finSeen = false;
  /** Sequence number the FIN occupies (after the last data byte). */
  finSeq = 0;
  /** onEnd delivered: FIN reached with all data before it. */
  ended = false;
  /** Last raw (unscaled) window this direction's sender advertised; -1 before any packet. */
  window = -1;
  #peerAckValid = false;
  /** Highest ACK the peer sent for this direction. */
  #peerAck = 0;
  #segs: Segment[] = [];
  #bufferedBytes = 0;
  #handler: ConnectionHandler;
  #budget: ReassemblyBudget;
  /** Result of `#overlay(commit=false)`: bytes and pieces a segment would add. */
  #newBytes = 0;
  #newPieces = 0;
  /** PacketContext.peerAckOffset of the segment being accepted. */
  #curAckOffset = -1;

  constructor(dir: FlowDirection, handler: ConnectionHandler, budget: ReassemblyBudget) {
    this.dir = dir;
    this.#handler = handler;
    this.#budget = budget;
  }

  /** Out-of-order bytes held by this direction. */
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  /**
   * `ack` (an acknowledgment number for this direction) as a stream offset
   * (see `offset`), or -1 when not started, more than 2^30 ahead of nextSeq,
   * or before the stream start.
   */
  ackOffset(ack: number): number {
    if (!this.started) return -1;
    const d = seqDiff(ack >>> 0, this.nextSeq);
    if (d > MAX_ACK_AHEAD) return -1;
    const off = this.offset + d;
    return off < 0 ? -1 : off;
  }

  /** Fix the start of the byte stream: the next byte to deliver is `seq`. No-op when already started. */
  startAt(seq: number): void {
    if (this.started) return;
    this.started = true;
    this.nextSeq = seq >>> 0;
  }

  /** A SYN from this direction with sequence number `seq` (the ISN; data starts at ISN+1). */
  syn(seq: number): void {
    if (this.synSeen) {
      if (seq !== this.isn) this.#budget.events.add('tcp.syn_seq_changed');
      return;
    }
    if (this.started) return; // data was seen first (midstream); keep that start
    this.synSeen = true;
    this.isn = seq;
    this.startAt(seqAdd(seq, 1));
  }

  /**
   * A data segment of this direction: `payload` (view valid during the call)
   * starts at `seq`; `wireLength` ≥ payload.length bytes were on the wire, the
   * rest were cut by the snap length and become a gap. `ackOffset`: the
   * packet's ACK as an offset in the peer's stream (`peer.ackOffset`), -1 none.
   */
  segment(seq: number, payload: Uint8Array, wireLength: number, ackOffset: number, ctx: PacketContext): void {
    if (this.started && wireLength <= 1 && seq === seqAdd(this.nextSeq, -1)) {
      this.#budget.keepAliveProbes++; // RFC 9293 §3.8.4: SEG.SEQ = SND.NXT-1, 0 or 1 garbage byte
      return;
    }
    if (this.started && wireLength === 1 && seq === this.nextSeq && this.peer.window === 0) {
      this.#budget.zeroWindowProbes++; // RFC 9293 §3.8.6.1; resent once the window opens (Suricata skips it too)
      return;
    }
    this.startAt(seq);
    this.#curAckOffset = ackOffset;
    const len = payload.length;
    let old = false;
    if (len > 0) old = this.#accept(seq, payload, len, ctx);
    if (wireLength > len) old = this.#accept(seqAdd(seq, len), null, wireLength - len, ctx) || old;
    if (old) this.#budget.retransmittedSegments++;
  }

  /** A FIN of this direction occupying sequence number `finSeq`. */
  fin(finSeq: number, ctx: PacketContext): void {
    if (this.finSeen) return;
    this.startAt(finSeq);
    if (seqLt(finSeq, this.nextSeq)) return; // a FIN before delivered data: ignore it
    this.finSeen = true;
    this.finSeq = finSeq >>> 0;
    // Drop buffered bytes after the FIN: they cannot belong to the stream.
    for (let i = this.#segs.length - 1; i >= 0; i--) {
      const s = this.#segs[i]!;
      const keep = seqDiff(finSeq, s.seq);
      if (keep >= s.len) break;
      this.#budget.events.add('tcp.data_after_fin');
      if (keep <= 0) {
        this.#segs.splice(i, 1);
        this.#release(s);
      } else {
        if (s.data !== null) {
          this.#releaseBytes(s.len - keep);
          s.data = s.data.subarray(0, keep);
        }
        s.len = keep;
      }
    }
    this.#ackedHoles(ctx);
    this.#checkEnd(ctx);
  }

  /** The peer acknowledged everything of this direction before `ack`. */
  peerAcked(ack: number, ctx: PacketContext): void {
    if (this.started && seqDiff(ack, this.nextSeq) > MAX_ACK_AHEAD) {
      this.#budget.events.add('tcp.ack_above_window');
      return;
    }
    if (!this.#peerAckValid || seqGt(ack, this.#peerAck)) {
      this.#peerAckValid = true;
      this.#peerAck = ack >>> 0;
      if (this.started && seqGt(ack, this.nextSeq)) this.#ackedHoles(ctx);
    }
  }

  /**
   * The connection is closing: every hole before buffered data or the FIN
   * becomes a gap, buffered data is delivered, bytes the peer ACKed beyond the
   * last delivered byte become a trailing gap, onEnd fires if the FIN is reached.
   */
  flush(ctx: PacketContext): void {
    while (this.#segs.length > 0) {
      const head = this.#segs[0]!;
      const hole = seqDiff(head.seq, this.nextSeq);
      if (hole > 0) this.#gap(hole, ctx);
      this.#drain(ctx);
    }
    if (this.finSeen) {
      if (seqLt(this.nextSeq, this.finSeq)) this.#gap(seqDiff(this.finSeq, this.nextSeq), ctx);
    } else if (this.#peerAckValid && this.started && seqLt(this.nextSeq, this.#peerAck)) {
      // Bytes the peer ACKed but the capture never showed: lost for good.
      this.#gap(seqDiff(this.#peerAck, this.nextSeq), ctx);
    }
    this.#checkEnd(ctx);
  }

  /** Give back every buffered byte (connection dropped). */
  discard(): void {
    for (const s of this.#segs) this.#release(s);
    this.#segs.length = 0;
  }

  /**
   * Accept `len` bytes at `seq` (`bytes` null: known-missing bytes). Returns
   * true when part of it had been seen before (retransmission).
   */
  #accept(seq: number, bytes: Uint8Array | null, len: number, ctx: PacketContext): boolean {
    if (this.finSeen) {
      const room = seqDiff(this.finSeq, seq);
      if (room < len) {
        this.#budget.events.add('tcp.data_after_fin');
        if (room <= 0) return false;
        len = room;
        if (bytes !== null) bytes = bytes.subarray(0, room);
      }
    }
    let old = false;
    for (;;) {
      const off = seqDiff(seq, this.nextSeq);
      if (off + len <= 0) return true;
      if (off < 0) {
        old = true;
        if (bytes !== null) bytes = bytes.subarray(-off);
        len += off;
        seq = this.nextSeq;
        continue;
      }
      if (off === 0) {
        this.#inOrder(bytes, len, ctx);
        this.#drain(ctx);
        return old;
      }
      // Out of order: buffer a copy, within the caps.
      this.#overlay(seq, bytes, len, off, false);
      if (this.#newBytes === 0 && this.#newPieces === 0) return true;
      const cap = this.#capExceeded();
      if (cap === null) {
        this.#overlay(seq, bytes, len, off, true);
        this.#budget.noteDirection(this.#bufferedBytes, this.#segs.length);
        this.#ackedHoles(ctx);
        return old;
      }
      this.#budget.capHit(cap);
      this.#budget.events.add('tcp.reassembly_cap_gap');
      // Declare the first hole a gap and deliver what follows it; retry.
      const holeEnd = this.#segs.length > 0 ? Math.min(seqDiff(this.#segs[0]!.seq, this.nextSeq), off) : off;
      this.#gap(holeEnd, ctx);
      this.#drain(ctx);
    }
  }

  #capExceeded(): ReassemblyCap | null {
    const o = this.#budget.options;
    if (this.#bufferedBytes + this.#newBytes > o.maxBufferedBytesPerDirection) return 'maxBufferedBytesPerDirection';
    if (this.#segs.length + this.#newPieces > o.maxBufferedSegmentsPerDirection) return 'maxBufferedSegmentsPerDirection';
    if (!this.#budget.totalFits(this.#newBytes)) return 'maxBufferedBytesTotal';
    return null;
  }

  /**
   * Lay `[seq, seq+len)` (offset `off` > 0 from nextSeq) over the buffered
   * segments. Only uncovered pieces are new (first copy wins). With `commit`
   * false, count them into #newBytes/#newPieces; with `commit` true, copy and
   * insert them and compare the overlapped bytes.
   */
  #overlay(seq: number, bytes: Uint8Array | null, len: number, off: number, commit: boolean): void {
    const segs = this.#segs;
    const end = off + len;
    // First segment whose end is after `off` (binary search on offsets from nextSeq).
    let lo = 0;
    let hi = segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = segs[mid]!;
      if (seqDiff(s.seq, this.nextSeq) + s.len <= off) lo = mid + 1;
      else hi = mid;
    }
    let i = lo;
    let cur = off;
    let newBytes = 0;
    let newPieces = 0;
    let inconsistent = false;
    while (cur < end) {
      const s = segs[i];
      const sOff = s === undefined ? end : seqDiff(s.seq, this.nextSeq);
      if (sOff > cur) {
        const pieceEnd = Math.min(sOff, end);
        if (bytes !== null) newBytes += pieceEnd - cur;
        newPieces++;
        if (commit) {
          const data = bytes === null ? null : bytes.slice(cur - off, pieceEnd - off);
          segs.splice(i, 0, { seq: seqAdd(this.nextSeq, cur), len: pieceEnd - cur, data, ackOffset: this.#curAckOffset });
          if (data !== null) this.#reserveBytes(data.length);
          i++;
        }
        cur = pieceEnd;
        continue;
      }
      // s covers cur: first copy wins; compare the overlap.
      const sEnd = sOff + s!.len;
      const ovEnd = Math.min(sEnd, end);
      if (commit && !inconsistent && bytes !== null && s!.data !== null) {
        const a = s!.data;
        for (let k = cur; k < ovEnd; k++) {
          if (a[k - sOff] !== bytes[k - off]) { inconsistent = true; break; }
        }
      }
      cur = ovEnd;
      i++;
    }
    if (inconsistent) {
      this.#budget.inconsistentOverlaps++;
      this.#budget.events.add('tcp.overlap_inconsistent');
    }
    this.#newBytes = newBytes;
    this.#newPieces = newPieces;
  }

  /** Deliver `[nextSeq, nextSeq+len)`; buffered bytes in that range win over `bytes`. */
  #inOrder(bytes: Uint8Array | null, len: number, ctx: PacketContext): void {
    let pos = 0;
    let inconsistent = false;
    while (pos < len) {
      const head = this.#segs[0];
      const headOff = head === undefined ? len : seqDiff(head.seq, this.nextSeq);
      if (head !== undefined && headOff <= 0) {
        const skip = -headOff;
        const ovLen = Math.min(head.len - skip, len - pos);
        if (head.data === null && bytes !== null && ovLen > 0) {
          // Buffered bytes were snap-cut: the real bytes replace them.
          head.seq = seqAdd(head.seq, skip + ovLen);
          head.len -= skip + ovLen;
          if (head.len === 0) this.#segs.shift();
          this.#emit(bytes.subarray(pos, pos + ovLen), ovLen, this.#curAckOffset, ctx);
          pos += ovLen;
          continue;
        }
        // Buffered copy (arrived first) wins; compare the overlap.
        this.#segs.shift();
        this.#release(head);
        if (!inconsistent && bytes !== null && head.data !== null) {
          for (let k = 0; k < ovLen; k++) {
            if (head.data[skip + k] !== bytes[pos + k]) { inconsistent = true; break; }
          }
        }
        if (head.len > skip) this.#emit(head.data === null ? null : head.data.subarray(skip), head.len - skip, head.ackOffset, ctx);
        pos += Math.max(0, head.len - skip);
        continue;
      }
      const lim = Math.min(len, pos + headOff);
      // Common case: the whole payload in order, handed over as is (no view allocated).
      const view = bytes === null ? null : pos === 0 && lim === bytes.length ? bytes : bytes.subarray(pos, lim);
      this.#emit(view, lim - pos, this.#curAckOffset, ctx);
      pos = lim;
    }
    if (inconsistent) {
      this.#budget.inconsistentOverlaps++;
      this.#budget.events.add('tcp.overlap_inconsistent');
    }
  }

  /** Deliver buffered segments that start at or before nextSeq. */
  #drain(ctx: PacketContext): void {
    while (this.#segs.length > 0) {
      const head = this.#segs[0]!;
      const headOff = seqDiff(head.seq, this.nextSeq);
      if (headOff > 0) break;
      this.#segs.shift();
      this.#release(head);
      const skip = -headOff;
      if (head.len > skip) this.#emit(head.data === null || skip === 0 ? head.data : head.data.subarray(skip), head.len - skip, head.ackOffset, ctx);
    }
    this.#checkEnd(ctx);
  }

  /** Gap every hole the peer has ACKed that has known data (buffered or FIN) after it. */
  #ackedHoles(ctx: PacketContext): void {
    if (!this.#peerAckValid || !this.started) return;
    while (seqLt(this.nextSeq, this.#peerAck)) {
      let evidence: number;
      if (this.#segs.length > 0) evidence = seqDiff(this.#segs[0]!.seq, this.nextSeq);
      else if (this.finSeen && seqLt(this.nextSeq, this.finSeq)) evidence = seqDiff(this.finSeq, this.nextSeq);
      else return;
      const acked = seqDiff(this.#peerAck, this.nextSeq);
      this.#gap(Math.min(evidence, acked), ctx);
      this.#drain(ctx);
      if (acked < evidence) return;
    }
  }

  #checkEnd(ctx: PacketContext): void {
    if (this.finSeen && !this.ended && this.nextSeq === this.finSeq) {
      this.ended = true;
      ctx.peerAckOffset = -1;
      this.#handler.onEnd?.(this.dir, ctx);
    }
  }

  /** Deliver data (`bytes`, carried by a packet whose ACK offset is `ackOffset`) or a gap (`bytes` null) of `len` bytes at nextSeq. */
  #emit(bytes: Uint8Array | null, len: number, ackOffset: number, ctx: PacketContext): void {
    if (bytes === null) {
      this.#gap(len, ctx);
      return;
    }
    this.nextSeq = seqAdd(this.nextSeq, len);
    this.offset += len;
    if (len > 0) {
      ctx.peerAckOffset = ackOffset;
      this.#handler.onData(this.dir, bytes, ctx);
    }
  }

  #gap(len: number, ctx: PacketContext): void {
    if (len <= 0) return;
    this.nextSeq = seqAdd(this.nextSeq, len);
    this.offset += len;
    ctx.peerAckOffset = -1;
    this.#budget.gaps++;
    this.#budget.gapBytes += len;
    this.#handler.onGap(this.dir, len, ctx);
  }

  #reserveBytes(n: number): void {
    this.#bufferedBytes += n;
    this.#budget.reserve(n);
  }

  #releaseBytes(n: number): void {
    this.#bufferedBytes -= n;
    this.#budget.release(n);
  }

  #release(s: Segment): void {
    if (s.data !== null) this.#releaseBytes(s.data.length);
  }
}
