/**
 * Bytes of a request stream that arrive after a CONNECT / Upgrade request,
 * kept (copied) until the response says whether HTTP goes on. At most `cap`
 * bytes; beyond it the rest is dropped, `lost` is set and `http.held_cap`
 * counted (the parser then resyncs if HTTP resumes).
 */
import type { EventCounter } from '../stats/event-counter.js';

export class HeldBytes {
  readonly #cap: number;
  readonly #events: EventCounter;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  /** Some bytes were not kept (cap reached, or a gap). */
  lost = false;

  constructor(cap: number, events: EventCounter) {
    this.#cap = cap;
    this.#events = events;
  }

  get length(): number {
    return this.#bytes;
  }

  /** Copy `bytes` (a view valid during the call) within the cap. */
  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const room = this.#cap - this.#bytes;
    if (bytes.length > room) {
      this.#events.add('http.held_cap');
      this.#events.add('http.bytes_after_upgrade', bytes.length - room);
      this.lost = true;
    }
    if (room > 0) {
      const keep = bytes.slice(0, Math.min(room, bytes.length));
      this.#chunks.push(keep);
      this.#bytes += keep.length;
    }
  }

  /** Copy of the first `max` kept bytes (fewer when fewer are kept). */
  peek(max: number): Uint8Array {
    const out = new Uint8Array(Math.min(max, this.#bytes));
    let n = 0;
    for (const c of this.#chunks) {
      if (n === out.length) break;
      const take = Math.min(c.length, out.length - n);
      out.set(c.subarray(0, take), n);
      n += take;
    }
    return out;
  }

  /** Return the kept chunks in order and empty the store. */
  take(): Uint8Array[] {
    const out = this.#chunks;
    this.#chunks = [];
    this.#bytes = 0;
    this.lost = false;
    return out;
  }
}
