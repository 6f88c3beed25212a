/**
 * LiveBatchReader: the JavaScript half of the addon's batched delivery, shared
 * by the libpcap source and the AF_PACKET source. Owns the one reusable batch
 * buffer the native handle fills and walks it into RawFrames.
 *
 *   native readBatch(buffer) ──pcap-style records──► forEachLiveRecord ──RawFrame (reused, `data` a view)──► onFrame
 */
import { createRawFrame, type RawFrame } from './raw-frame.js';
import { LiveCaptureError } from './live-capture-error.js';

/** Bytes of a record header in a batch: u32 tsSec, u32 tsNsec, u32 capturedLength, u32 originalLength. */
export const LIVE_RECORD_HEADER_BYTES = 16;

/** What both native handles offer for reading. */
export interface BatchReadingHandle {
  readonly linkType: number;
  readonly snaplen: number;
  readonly device: string;
  /** Fills `buf` with ready records (never waits); returns the bytes used. */
  readBatch(buf: Uint8Array, maxPackets: number): number;
}

/**
 * Walks one batch written by the addon (records back to back: u32 tsSec,
 * u32 tsNsec, u32 capturedLength, u32 originalLength, then the bytes; all
 * little-endian) and calls `onFrame` with the reused `frame` for each record;
 * `frame.data` is a view into `batch`, valid until the next batch is read.
 * Returns the packet count and captured bytes.
 */
export function forEachLiveRecord(
  batch: Uint8Array,
  view: DataView,
  used: number,
  frame: RawFrame,
  onFrame: (frame: RawFrame) => void,
): { count: number; bytes: number } {
  let offset = 0;
  let count = 0;
  let bytes = 0;
  while (offset + LIVE_RECORD_HEADER_BYTES <= used) {
    frame.tsSec = view.getUint32(offset, true);
    frame.tsNsec = view.getUint32(offset + 4, true);
    const caplen = view.getUint32(offset + 8, true);
    frame.capturedLength = caplen;
    frame.originalLength = view.getUint32(offset + 12, true);
    const start = offset + LIVE_RECORD_HEADER_BYTES;
    frame.data = batch.subarray(start, start + caplen);
    offset = start + caplen;
    count++;
    bytes += caplen;
    onFrame(frame);
  }
  return { count, bytes };
}

export class LiveBatchReader {
  readonly #handle: BatchReadingHandle;
  readonly #batch: Uint8Array;
  readonly #view: DataView;
  readonly #batchPackets: number;
  readonly #frame: RawFrame = createRawFrame();
  #deliveredBytes = 0;

  /** The buffer holds at least one packet of the snap length; `batchBytes` and `batchPackets` bound one read. */
  constructor(handle: BatchReadingHandle, batchBytes: number, batchPackets: number) {
    this.#handle = handle;
    this.#batch = new Uint8Array(Math.max(batchBytes, LIVE_RECORD_HEADER_BYTES + handle.snaplen));
    this.#view = new DataView(this.#batch.buffer, this.#batch.byteOffset, this.#batch.byteLength);
    this.#batchPackets = batchPackets;
    this.#frame.linkType = handle.linkType;
  }

  /** Captured bytes delivered so far. */
  get deliveredBytes(): number {
    return this.#deliveredBytes;
  }

  /**
   * Reads what is ready (never waits): one batch, each packet passed to
   * `onFrame` (the reused frame; views valid until the next read), then the
   * whole batch as pcap records to `onBatch` (for `--write`). Returns the
   * number of packets (at most `maxPackets`). Throws LiveCaptureError
   * ERR_CAPTURE_READ when the interface fails (e.g. it was removed).
   */
  read(onFrame: (frame: RawFrame) => void, onBatch: ((records: Uint8Array) => void) | undefined, maxPackets: number): number {
    let used: number;
    try {
      used = this.#handle.readBatch(this.#batch, Math.min(this.#batchPackets, maxPackets));
    } catch (err) {
      throw new LiveCaptureError('ERR_CAPTURE_READ', (err as Error).message, 1, this.#handle.device);
    }
    if (used === 0) return 0;
    const packets = forEachLiveRecord(this.#batch, this.#view, used, this.#frame, onFrame);
    this.#deliveredBytes += packets.bytes;
    onBatch?.(this.#batch.subarray(0, used));
    return packets.count;
  }
}
