/**
 * Batch format for decoded TCP segments sent from the main thread to a worker
 * shard: one ArrayBuffer (transferred, not cloned) holding many records.
 *
 * Layout (little-endian). Batch header, 32 bytes:
 *   0  u32 record count
 *   4  u32 bytes used (including this header)
 *   8  f64 round-end packet index (global index of the last packet of the round)
 *  16  u32 round-end tsSec
 *  20  u32 round-end tsNsec
 *  24  u32 round number
 *  28  u32 reserved
 * Record, RECORD_HEADER_BYTES = 88, then the payload, padded to 4 bytes:
 *   0  u32 record length in bytes (header + payload + padding: the stride to the next record)
 *   4  f64 packet index (global, 0-based)
 *  12  u32 tsSec       16 u32 tsNsec
 *  20  u32 seq         24 u32 ack
 *  28  u16 srcPort     30 u16 dstPort
 *  32  u8 ipVersion    33 u8 tcpFlags    34 u16 window
 *  36  u16 vlanOuter   38 u16 vlanInner
 *  40  u8 tunnelKind   41 i8 windowScale 42 u16 mss
 *  44  u32 tunnelId
 *  48  u32 payloadWireLength
 *  52  u32 payload length (bytes present)
 *  56  16 bytes srcAddr
 *  72  16 bytes dstAddr
 *  88  payload
 */
import { DecodedPacket } from '../decode/decoded-packet.js';

export const BATCH_HEADER_BYTES = 32;
export const RECORD_HEADER_BYTES = 88;

/** Appends segments to a growable buffer. Not thread-safe; one per shard. */
export class SegmentBatchWriter {
  #buf: ArrayBuffer;
  #view: DataView;
  #bytes: Uint8Array;
  #used = BATCH_HEADER_BYTES;
  #count = 0;

  /** @param initialBytes starting capacity; grows by doubling when a record does not fit. */
  constructor(initialBytes = 1 << 20) {
    this.#buf = new ArrayBuffer(initialBytes);
    this.#view = new DataView(this.#buf);
    this.#bytes = new Uint8Array(this.#buf);
  }

  get count(): number {
    return this.#count;
  }

  get usedBytes(): number {
    return this.#used;
  }

  /** Copies the packet's header fields and payload into the batch. */
  append(pkt: DecodedPacket, packetIndex: number, tsSec: number, tsNsec: number): void {
    const payloadLength = pkt.payload.length;
    const stride = (RECORD_HEADER_BYTES + payloadLength + 3) & ~3;
    if (this.#used + stride > this.#buf.byteLength) this.#grow(this.#used + stride);
    const v = this.#view;
    const o = this.#used;
    v.setUint32(o, stride, true);
    v.setFloat64(o + 4, packetIndex, true);
    v.setUint32(o + 12, tsSec, true);
    v.setUint32(o + 16, tsNsec, true);
    v.setUint32(o + 20, pkt.seq, true);
    v.setUint32(o + 24, pkt.ack, true);
    v.setUint16(o + 28, pkt.srcPort, true);
    v.setUint16(o + 30, pkt.dstPort, true);
    v.setUint8(o + 32, pkt.ipVersion);
    v.setUint8(o + 33, pkt.tcpFlags);
    v.setUint16(o + 34, pkt.window, true);
    v.setUint16(o + 36, pkt.vlanOuter, true);
    v.setUint16(o + 38, pkt.vlanInner, true);
    v.setUint8(o + 40, pkt.tunnelKind);
    v.setInt8(o + 41, pkt.windowScale);
    v.setUint16(o + 42, pkt.mss, true);
    v.setUint32(o + 44, pkt.tunnelId >>> 0, true);
    v.setUint32(o + 48, pkt.payloadWireLength, true);
    v.setUint32(o + 52, payloadLength, true);
    this.#bytes.set(pkt.srcAddr, o + 56);
    this.#bytes.set(pkt.dstAddr, o + 72);
    this.#bytes.set(pkt.payload, o + RECORD_HEADER_BYTES);
    this.#used += stride;
    this.#count++;
  }

  /**
   * Seals the batch with the round's end marker and hands the buffer over
   * (the caller may transfer it). The writer starts a fresh buffer.
   */
  take(roundNumber: number, roundEndPacketIndex: number, tsSec: number, tsNsec: number): ArrayBuffer {
    const v = this.#view;
    v.setUint32(0, this.#count, true);
    v.setUint32(4, this.#used, true);
    v.setFloat64(8, roundEndPacketIndex, true);
    v.setUint32(16, tsSec, true);
    v.setUint32(20, tsNsec, true);
    v.setUint32(24, roundNumber, true);
    const out = this.#buf;
    const size = Math.max(1 << 16, Math.min(out.byteLength, 1 << 24));
    this.#buf = new ArrayBuffer(size);
    this.#view = new DataView(this.#buf);
    this.#bytes = new Uint8Array(this.#buf);
    this.#used = BATCH_HEADER_BYTES;
    this.#count = 0;
    return out;
  }

  #grow(minBytes: number): void {
    let size = this.#buf.byteLength * 2;
    while (size < minBytes) size *= 2;
    const next = new ArrayBuffer(size);
    new Uint8Array(next).set(this.#bytes.subarray(0, this.#used));
    this.#buf = next;
    this.#view = new DataView(next);
    this.#bytes = new Uint8Array(next);
  }
}

/** Header of a sealed batch. */
export interface BatchHeader {
  count: number;
  usedBytes: number;
  roundEndPacketIndex: number;
  roundEndTsSec: number;
  roundEndTsNsec: number;
  roundNumber: number;
}

export function readBatchHeader(buf: ArrayBuffer): BatchHeader {
  const v = new DataView(buf);
  return {
    count: v.getUint32(0, true),
    usedBytes: v.getUint32(4, true),
    roundEndPacketIndex: v.getFloat64(8, true),
    roundEndTsSec: v.getUint32(16, true),
    roundEndTsNsec: v.getUint32(20, true),
    roundNumber: v.getUint32(24, true),
  };
}

/**
 * Iterates the records of a sealed batch, filling ONE reused DecodedPacket.
 * `pkt.payload` is a view into the batch buffer, valid while the buffer lives.
 */
export class SegmentBatchReader {
  readonly packet = new DecodedPacket();
  packetIndex = 0;
  tsSec = 0;
  tsNsec = 0;
  #view: DataView;
  #bytes: Uint8Array;
  #offset = BATCH_HEADER_BYTES;
  #end: number;

  constructor(buf: ArrayBuffer) {
    this.#view = new DataView(buf);
    this.#bytes = new Uint8Array(buf);
    this.#end = this.#view.getUint32(4, true);
  }

  /** Advances to the next record; false at the end of the batch. */
  next(): boolean {
    const o = this.#offset;
    if (o >= this.#end) return false;
    const v = this.#view;
    const p = this.packet;
    const stride = v.getUint32(o, true);
    this.packetIndex = v.getFloat64(o + 4, true);
    this.tsSec = v.getUint32(o + 12, true);
    this.tsNsec = v.getUint32(o + 16, true);
    p.seq = v.getUint32(o + 20, true);
    p.ack = v.getUint32(o + 24, true);
    p.srcPort = v.getUint16(o + 28, true);
    p.dstPort = v.getUint16(o + 30, true);
    p.ipVersion = v.getUint8(o + 32) === 6 ? 6 : 4;
    p.tcpFlags = v.getUint8(o + 33);
    p.window = v.getUint16(o + 34, true);
    p.vlanOuter = v.getUint16(o + 36, true);
    p.vlanInner = v.getUint16(o + 38, true);
    p.tunnelKind = v.getUint8(o + 40);
    p.windowScale = v.getInt8(o + 41);
    p.mss = v.getUint16(o + 42, true);
    p.tunnelId = v.getUint32(o + 44, true);
    p.payloadWireLength = v.getUint32(o + 48, true);
    const payloadLength = v.getUint32(o + 52, true);
    const b = this.#bytes;
    const src = p.srcAddr;
    const dst = p.dstAddr;
    for (let i = 0; i < 16; i++) {
      src[i] = b[o + 56 + i]!;
      dst[i] = b[o + 72 + i]!;
    }
    p.payload = this.#bytes.subarray(o + RECORD_HEADER_BYTES, o + RECORD_HEADER_BYTES + payloadLength);
    p.frameLength = 0;
    this.#offset = o + stride;
    return true;
  }
}
