import type { RawFrame } from './raw-frame.js';

/** Callback that receives each frame; return `false` to stop reading. */
export type FrameCallback = (frame: RawFrame) => boolean | void;

/**
 * Largest captured length of a single frame we accept, bytes (256 MiB). A
 * larger value in a record header is treated as corruption, not as a reason
 * to allocate. Overridable with the `maxCapturedLength` option.
 */
export const DEFAULT_MAX_CAPTURED_LENGTH = 256 * 1024 * 1024;

/**
 * The format-specific half of the capture reader: walks the complete records
 * in a window of the reader's buffer, fills the shared RawFrame and calls the
 * callback. It never reads I/O; when a record is incomplete it stops and says
 * how many bytes it needs.
 *
 * Contract of `parse`:
 * - Reads `buf[start..end)`; `base` is the offset of `buf[0]` in the
 *   (decompressed) file, used only for error offsets.
 * - Returns the position of the first byte it did not consume. If it stopped
 *   because the record at that position is incomplete, `need` is the number of
 *   bytes that record needs from that position (header alone if the header
 *   itself is incomplete); if it stopped because the callback returned
 *   `false`, `stopped` is true.
 * - Throws CaptureFileError ERR_CAPTURE_CORRUPT (offset of the damaged
 *   record) for an impossible header, after every earlier frame was delivered.
 */
export interface RecordParser {
  parse(buf: Buffer, view: DataView, start: number, end: number, base: number, onFrame: FrameCallback): number;
  /** Bytes the record at the returned position needs (valid after `parse` returns without stopping). */
  readonly need: number;
  /** True once the callback returned `false`. */
  readonly stopped: boolean;
  /** Frames delivered so far. */
  readonly frames: number;
  /** Sum of delivered frames' captured lengths, bytes. */
  readonly bytes: number;
  /** Distinct link types declared by the file (pcap header, pcapng IDBs), in order of first appearance. */
  readonly linkTypes: number[];
}
