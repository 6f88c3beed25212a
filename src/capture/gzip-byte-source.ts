import type { FileHandle } from 'node:fs/promises';
import { createGunzip, type Gunzip } from 'node:zlib';
import type { ByteSource } from './byte-source.js';

/**
 * Compressed bytes fed to zlib at a time. zlib decompresses a whole input
 * chunk before it calls back, so this bounds the memory held by one step:
 * 64 KiB × the compression ratio (typically a few hundred KiB for captures;
 * 64 MiB at deflate's 1032:1 worst case).
 */
const COMPRESSED_CHUNK_BYTES = 64 * 1024;
/** Size of the decompressed chunks zlib emits. */
const GUNZIP_CHUNK_BYTES = 64 * 1024;

/**
 * Decompresses a gzip file (RFC 1952; concatenated members are read as one
 * stream, as `gzip -dc` does) with node:zlib, pull-driven: a compressed chunk
 * is read from the file and written to zlib only when the caller wants bytes
 * and the decompressed queue is empty, so memory stays bounded whatever the
 * file size.
 *
 * `prefix` holds the bytes already read from the handle while sniffing; they
 * are fed to zlib first, then the handle is read on from its current
 * position. Decompressed bytes are copied once, from zlib's output chunk into
 * the caller's buffer.
 *
 * Errors: `read` rejects with the zlib error (`code` `Z_BUF_ERROR` for a
 * stream that ends early, `Z_DATA_ERROR` for damaged data) or an I/O error,
 * but only after every byte zlib produced before the damage was returned.
 */
export class GzipByteSource implements ByteSource {
  #handle: FileHandle;
  #gunzip: Gunzip;
  #prefix: Buffer | null;
  /** Decompressed chunks not yet handed out; the first is consumed from `#headPos`. */
  #queue: Buffer[] = [];
  #headPos = 0;
  #error: unknown = null;
  #inputDone = false;
  #ended = false;
  #closed = false;
  /** Resolves the pending `#step` when zlib made progress, ended or failed. */
  #wake: (() => void) | null = null;

  constructor(handle: FileHandle, prefix: Buffer) {
    this.#handle = handle;
    this.#prefix = prefix.length > 0 ? prefix : null;
    this.#gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
    // Flowing mode, never paused: every output chunk lands in #queue before
    // an error can be raised, so no decompressed byte is lost to an error.
    this.#gunzip.on('data', (chunk: Buffer) => this.#queue.push(chunk));
    this.#gunzip.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    this.#gunzip.on('error', (err: unknown) => {
      if (this.#error === null) this.#error = err;
      this.#notify();
    });
  }

  async read(target: Buffer, offset: number, length: number): Promise<number> {
    let written = 0;
    while (written < length) {
      const head = this.#queue[0];
      if (head !== undefined) {
        const n = Math.min(length - written, head.length - this.#headPos);
        head.copy(target, offset + written, this.#headPos, this.#headPos + n);
        written += n;
        this.#headPos += n;
        if (this.#headPos === head.length) {
          this.#queue.shift();
          this.#headPos = 0;
        }
        continue;
      }
      if (this.#error !== null) {
        if (written > 0) break; // hand over the good bytes first
        throw this.#error;
      }
      if (this.#ended || this.#closed) break;
      if (written > 0) break; // return what we have rather than block on more input
      await this.#step();
    }
    return written;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.length = 0;
    this.#gunzip.destroy();
    this.#notify();
  }

  /** Feeds zlib one compressed chunk (or ends its input) and waits until it has been processed. */
  async #step(): Promise<void> {
    const progressed = new Promise<void>((resolve) => { this.#wake = resolve; });
    if (this.#inputDone) {
      // Input ended; 'end' or 'error' is still to come.
    } else if (this.#prefix !== null) {
      const chunk = this.#prefix;
      this.#prefix = null;
      this.#gunzip.write(chunk, () => this.#notify());
    } else {
      const chunk = Buffer.allocUnsafe(COMPRESSED_CHUNK_BYTES); // zlib may hold it until processed
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.#handle.read(chunk, 0, chunk.length, null));
      } catch (err) {
        if (this.#error === null) this.#error = err;
        this.#wake = null;
        return;
      }
      if (this.#closed) return;
      if (bytesRead === 0) {
        this.#inputDone = true;
        this.#gunzip.end();
      } else {
        this.#gunzip.write(chunk.subarray(0, bytesRead), () => this.#notify());
      }
    }
    await progressed;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
