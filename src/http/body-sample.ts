/**
 * The first bytes of one message body (after de-chunking, before content
 * decoding), kept for later inventory work. At most `cap` bytes; the buffer
 * grows by doubling (first size: min(cap, Content-Length or 4 KiB)).
 * Sampling stops for good after a gap (`stop()`), so the sample is always a
 * contiguous prefix of the body.
 */
/**
 * A Uint8Array of `n` bytes on its own ArrayBuffer, not zero-filled (every
 * byte is written before it becomes part of `bytes()`).
 */
function uninitialized(n: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);
}

export class BodySample {
  readonly #cap: number;
  #buf: Uint8Array | null = null;
  #len = 0;
  #stopped = false;
  #countOnly = false;
  /** True once body bytes beyond the cap were seen. */
  truncated = false;

  constructor(cap: number) {
    this.#cap = cap;
  }

  /** Size hint (Content-Length) for the first allocation. */
  hint(bytes: number): void {
    if (this.#buf === null && bytes > 0 && !this.#countOnly) this.#buf = uninitialized(Math.min(this.#cap, bytes));
  }

  /**
   * From now on count bytes without copying them (nobody will read the
   * sample): `length` and `truncated` behave as before, `bytes()` is empty.
   * Call before the first append.
   */
  countOnly(): void {
    this.#countOnly = true;
  }

  /** Copy `buf[off .. off+len)`; returns true when this call first hit the cap. */
  append(buf: Uint8Array, off: number, len: number): boolean {
    if (this.#stopped || len === 0) return false;
    const room = this.#cap - this.#len;
    const take = Math.min(room, len);
    if (take > 0 && this.#countOnly) {
      this.#len += take;
    } else if (take > 0) {
      const need = this.#len + take;
      if (this.#buf === null || this.#buf.length < need) {
        const grown = uninitialized(Math.min(this.#cap, Math.max(need, 2 * (this.#buf?.length ?? 2048))));
        if (this.#buf !== null) grown.set(this.#buf.subarray(0, this.#len));
        this.#buf = grown;
      }
      this.#buf.set(buf.subarray(off, off + take), this.#len);
      this.#len = need;
    }
    if (take < len && !this.truncated) {
      this.truncated = true;
      return true;
    }
    return false;
  }

  /** No more bytes will be appended (gap: the rest of the body is not contiguous). */
  stop(): void {
    this.#stopped = true;
  }

  get length(): number {
    return this.#len;
  }

  /** The sampled bytes: a view of the internal buffer (stable: nothing is appended after the message ends); empty after countOnly(). */
  bytes(): Uint8Array {
    return this.#buf === null ? new Uint8Array(0) : this.#buf.subarray(0, this.#len);
  }
}
