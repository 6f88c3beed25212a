import type { FileHandle } from 'node:fs/promises';

/**
 * A sequential source of bytes: the raw file, or its decompressed stream.
 * The capture reader pulls from it into its own reusable buffer.
 */
export interface ByteSource {
  /**
   * Copies up to `length` bytes into `target[offset..]`. Resolves with the
   * number of bytes written; 0 only at end of stream. Rejects with the
   * underlying I/O or zlib error (the caller turns it into a CaptureFileError
   * with the offset of the record it was reading).
   */
  read(target: Buffer, offset: number, length: number): Promise<number>;
  /** Releases the source. Idempotent. Does not close the FileHandle. */
  close(): void;
}

/**
 * Reads an uncompressed file sequentially from its current position
 * (`position: null`), so pipes and FIFOs work as well as regular files.
 * One `read(2)` per call; no copies.
 */
export class FileByteSource implements ByteSource {
  #handle: FileHandle;

  constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  async read(target: Buffer, offset: number, length: number): Promise<number> {
    if (length <= 0) return 0;
    const { bytesRead } = await this.#handle.read(target, offset, length, null);
    return bytesRead;
  }

  close(): void {
    // The FileHandle belongs to the CaptureFile, which closes it.
  }
}
