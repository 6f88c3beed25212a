/**
 * Streaming reader of capture files: pcap, pcapng, either one gzip-compressed.
 *
 *   file ──► FileByteSource ─────────────┐
 *        └─► GzipByteSource (node:zlib) ─┴─► one reusable Buffer ──► PcapRecordParser / PcapngBlockParser ──► onFrame(RawFrame)
 *
 * Memory is constant: one buffer of `chunkBytes` (default 1 MiB), grown only
 * when a single record is larger; when the parser reaches an incomplete
 * record, only that tail is copied to the front before the next read.
 */
import { open as fsOpen, type FileHandle } from 'node:fs/promises';
import { CaptureFileError, UsageError } from '../errors.js';
import { FileByteSource, type ByteSource } from './byte-source.js';
import { isGzip, SNIFF_BYTES, sniffCaptureFormat, type CaptureFormat } from './capture-format.js';
import { GzipByteSource } from './gzip-byte-source.js';
import { PcapRecordParser } from './pcap-record-parser.js';
import { PcapngBlockParser } from './pcapng-block-parser.js';
import { createRawFrame, type RawFrame } from './raw-frame.js';
import { DEFAULT_MAX_CAPTURED_LENGTH, type FrameCallback, type RecordParser } from './record-parser.js';

/** Default bytes per read, and the initial buffer size: 1 MiB. */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** The buffer is never smaller than this, so the format sniff fits. */
const MIN_BUFFER_BYTES = 64;

export interface CaptureFileOptions {
  /** Bytes per read, and the initial buffer size. Integer >= 1; default 1 MiB. */
  chunkBytes?: number;
  /** Largest captured length of one frame, bytes; a larger record is ERR_CAPTURE_CORRUPT. Default 256 MiB. */
  maxCapturedLength?: number;
}

/** Options of one `CaptureFile.read` call. */
export interface CaptureReadOptions {
  /**
   * Awaited before each chunk is read from the file (after every complete
   * frame already in the buffer was delivered): the consumer's backpressure
   * hook, e.g. to wait while too many batches are in flight. What it throws
   * propagates unchanged and ends the read.
   */
  beforeChunk?: () => void | Promise<void>;
}

export interface CaptureFileStats {
  /** Frames delivered to `onFrame`. */
  frames: number;
  /** Sum of delivered frames' capturedLength, bytes. */
  bytes: number;
  format: 'pcap' | 'pcapng';
  /** True when the file was gzip-compressed. */
  compressed: boolean;
  /** Distinct LINKTYPE_* values declared by the file (pcap header, pcapng IDBs), in order of first appearance. */
  linkTypes: number[];
}

/**
 * One capture file, opened and sniffed. Use: `open` → `read` (once) → `close`.
 * Several files are replayed in order with `openCaptureFiles`
 * (open-capture-files.ts).
 */
export class CaptureFile {
  readonly path: string;
  readonly format: CaptureFormat;
  readonly compressed: boolean;
  #handle: FileHandle | null;
  #source: ByteSource;
  #buf: Buffer;
  /** Bytes of the file already in `#buf[0..#filled)` (read while sniffing). */
  #filled: number;
  #eof: boolean;
  #chunkBytes: number;
  #maxCapturedLength: number;
  #frame: RawFrame = createRawFrame();
  #readCalled = false;

  private constructor(path: string, format: CaptureFormat, compressed: boolean, handle: FileHandle, source: ByteSource,
    buf: Buffer, filled: number, eof: boolean, chunkBytes: number, maxCapturedLength: number) {
    this.path = path;
    this.format = format;
    this.compressed = compressed;
    this.#handle = handle;
    this.#source = source;
    this.#buf = buf;
    this.#filled = filled;
    this.#eof = eof;
    this.#chunkBytes = chunkBytes;
    this.#maxCapturedLength = maxCapturedLength;
  }

  /**
   * Opens and sniffs the format (a gzip file is recognised by its magic
   * 1f 8b, whatever its name, and sniffed after decompression).
   * Throws UsageError for a bad option; CaptureFileError ERR_CAPTURE_OPEN
   * (missing / unreadable / directory, exitCode 2), ERR_CAPTURE_FORMAT (not
   * pcap/pcapng: the message names the file and what was found, e.g. "not a
   * pcap or pcapng file (starts with 3c 21 44 4f)"; an empty file is
   * ERR_CAPTURE_FORMAT too), or ERR_CAPTURE_TRUNCATED / ERR_CAPTURE_CORRUPT
   * for gzip data that fails before the format could be read.
   */
  static async open(path: string, options: CaptureFileOptions = {}): Promise<CaptureFile> {
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    const maxCapturedLength = options.maxCapturedLength ?? DEFAULT_MAX_CAPTURED_LENGTH;
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw new UsageError(`chunkBytes must be an integer >= 1, got ${chunkBytes}`);
    if (!Number.isSafeInteger(maxCapturedLength) || maxCapturedLength < 1 || maxCapturedLength > 2 ** 31) {
      throw new UsageError(`maxCapturedLength must be an integer in 1..2^31, got ${maxCapturedLength}`);
    }
    let handle: FileHandle;
    try {
      handle = await fsOpen(path, 'r');
    } catch (err) {
      throw new CaptureFileError('ERR_CAPTURE_OPEN', path, -1, `cannot open capture file: ${describeError(err)}`, 2);
    }
    let source: ByteSource = new FileByteSource(handle);
    try {
      const st = await handle.stat();
      if (st.isDirectory()) throw new CaptureFileError('ERR_CAPTURE_OPEN', path, -1, 'cannot open capture file: is a directory', 2);
      const buf = Buffer.allocUnsafe(Math.max(chunkBytes, MIN_BUFFER_BYTES));
      let sniffed = await fillAtLeast(path, source, buf, SNIFF_BYTES, chunkBytes);
      const compressed = isGzip(buf, sniffed.filled);
      if (compressed) {
        source = new GzipByteSource(handle, Buffer.from(buf.subarray(0, sniffed.filled)));
        sniffed = await fillAtLeast(path, source, buf, SNIFF_BYTES, chunkBytes);
      }
      const result = sniffCaptureFormat(buf, sniffed.filled);
      if (!result.ok) {
        throw new CaptureFileError('ERR_CAPTURE_FORMAT', path, -1,
          compressed ? `gzip-compressed, but ${result.reason}` : result.reason, 2);
      }
      return new CaptureFile(path, result.format, compressed, handle, source, buf, sniffed.filled, sniffed.eof,
        chunkBytes, maxCapturedLength);
    } catch (err) {
      source.close();
      await handle.close();
      throw err;
    }
  }

  /**
   * Calls `onFrame` once per frame, in file order, with ONE reused RawFrame
   * whose `data` is a view valid only until `onFrame` returns. `onFrame` may
   * return `false` to stop early. Resolves with the stats of the frames
   * delivered. May be called once.
   *
   * On damage it first delivers every complete frame before it, then throws
   * CaptureFileError ERR_CAPTURE_TRUNCATED (the file ends inside a record)
   * or ERR_CAPTURE_CORRUPT (impossible record header, damaged gzip data),
   * whose `offset` is the byte offset, in the decompressed stream, of the
   * damaged record. A read failure is ERR_CAPTURE_OPEN (exit 2). Errors
   * thrown by `onFrame` or `options.beforeChunk` propagate unchanged.
   */
  async read(onFrame: (frame: RawFrame) => boolean | void, options: CaptureReadOptions = {}): Promise<CaptureFileStats> {
    if (this.#readCalled) throw new Error(`CaptureFile.read() may be called only once (${this.path})`);
    if (this.#handle === null) throw new Error(`CaptureFile.read() after close() (${this.path})`);
    this.#readCalled = true;
    const parser: RecordParser = this.format === 'pcap'
      ? new PcapRecordParser(this.path, this.#frame, this.#maxCapturedLength)
      : new PcapngBlockParser(this.path, this.#frame, this.#maxCapturedLength);
    const chunkBytes = this.#chunkBytes;
    const source = this.#source;
    let buf = this.#buf;
    let view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    let start = 0;
    let end = this.#filled;
    let base = 0; // offset of buf[0] in the decompressed stream
    let eof = this.#eof;
    const cb: FrameCallback = onFrame;
    const beforeChunk = options.beforeChunk;
    for (;;) {
      start = parser.parse(buf, view, start, end, base, cb);
      if (parser.stopped) break;
      if (eof) {
        if (start < end) {
          throw new CaptureFileError('ERR_CAPTURE_TRUNCATED', this.path, base + start,
            `file ends inside a record (${end - start} of ${parser.need} bytes present)`);
        }
        break;
      }
      // Carry the incomplete record (the tail) to the front; grow only if it cannot fit.
      const tail = end - start;
      if (parser.need > buf.length) {
        const grown = Buffer.allocUnsafe(Math.max(parser.need, buf.length * 2));
        buf.copy(grown, 0, start, end);
        buf = grown;
        view = new DataView(buf.buffer, buf.byteOffset, buf.length);
      } else if (start > 0 && tail > 0) {
        buf.copy(buf, 0, start, end);
      }
      base += start;
      start = 0;
      end = tail;
      if (beforeChunk !== undefined) await beforeChunk();
      let n: number;
      try {
        n = await source.read(buf, end, Math.min(buf.length - end, chunkBytes));
      } catch (err) {
        throw readError(this.path, err, base);
      }
      if (n === 0) eof = true;
      else end += n;
    }
    this.#buf = buf;
    return {
      frames: parser.frames,
      bytes: parser.bytes,
      format: this.format,
      compressed: this.compressed,
      linkTypes: parser.linkTypes.slice(),
    };
  }

  /** Releases the file. Idempotent; safe after an error. */
  async close(): Promise<void> {
    const handle = this.#handle;
    if (handle === null) return;
    this.#handle = null;
    this.#source.close();
    await handle.close();
  }
}

/**
 * Reads from `source` into `buf[0..)` until at least `want` bytes or end of
 * stream; each read asks for at most `chunkBytes`.
 */
async function fillAtLeast(path: string, source: ByteSource, buf: Buffer, want: number, chunkBytes: number):
  Promise<{ filled: number; eof: boolean }> {
  let filled = 0;
  while (filled < want) {
    let n: number;
    try {
      n = await source.read(buf, filled, Math.min(buf.length - filled, chunkBytes));
    } catch (err) {
      throw readError(path, err, 0);
    }
    if (n === 0) return { filled, eof: true };
    filled += n;
  }
  return { filled, eof: false };
}

/** Maps an I/O or zlib failure to a CaptureFileError at `offset` (start of the record being read). */
function readError(path: string, err: unknown, offset: number): CaptureFileError {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'Z_BUF_ERROR') {
    return new CaptureFileError('ERR_CAPTURE_TRUNCATED', path, offset, `gzip stream ends early (${describeError(err)})`);
  }
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new CaptureFileError('ERR_CAPTURE_CORRUPT', path, offset, `gzip data is damaged (${describeError(err)})`);
  }
  return new CaptureFileError('ERR_CAPTURE_OPEN', path, offset, `read failed: ${describeError(err)}`, 2);
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
