/**
 * Sliding windows in packet time (seconds since the Unix epoch, as in
 * TransactionRecord). Replays are deterministic because the wall clock is
 * never read. Time going backwards (out-of-order records across connections)
 * is tolerated: an older event lands in the current bucket.
 *
 *  - SlidingCounter: event count over the last `windowSec`, in `buckets`
 *    fixed buckets (resolution windowSec / buckets); O(1) memory.
 *  - DistinctWindow: distinct keys seen in the last `windowSec`, with a cap on
 *    remembered keys (`capHits` counts keys dropped because of it).
 */
export class SlidingCounter {
  readonly #windowSec: number;
  readonly #bucketSec: number;
  readonly #counts: Float64Array;
  /** Bucket index (floor(ts / bucketSec)) of the newest bucket. */
  #head = -Infinity;
  #total = 0;

  /** @throws RangeError for a non-positive window or bucket count. */
  constructor(windowSec: number, buckets = 10) {
    if (!(windowSec > 0) || !Number.isInteger(buckets) || buckets < 1) throw new RangeError('SlidingCounter: windowSec > 0 and buckets >= 1 required');
    this.#windowSec = windowSec;
    this.#bucketSec = windowSec / buckets;
    this.#counts = new Float64Array(buckets);
  }

  get windowSec(): number {
    return this.#windowSec;
  }

  #advance(tsSec: number): void {
    const idx = Math.floor(tsSec / this.#bucketSec);
    if (idx <= this.#head) return;
    const n = this.#counts.length;
    if (idx - this.#head >= n) {
      this.#counts.fill(0);
      this.#total = 0;
    } else {
      for (let i = this.#head + 1; i <= idx; i++) {
        const slot = ((i % n) + n) % n;
        this.#total -= this.#counts[slot]!;
        this.#counts[slot] = 0;
      }
    }
    this.#head = idx;
  }

  /** Adds `n` events at `tsSec`; returns the count in the window ending at `tsSec`. */
  add(tsSec: number, n = 1): number {
    this.#advance(tsSec);
    const len = this.#counts.length;
    const slot = ((this.#head % len) + len) % len;
    this.#counts[slot]! += n;
    this.#total += n;
    return this.#total;
  }

  /** Count in the window ending at `tsSec`. */
  count(tsSec: number): number {
    this.#advance(tsSec);
    return this.#total;
  }
}

export class DistinctWindow<K> {
  readonly #windowSec: number;
  readonly #cap: number;
  /** key → last seen; Map order = last-seen order (re-inserted on every sighting). */
  readonly #seen = new Map<K, number>();
  #capHits = 0;

  /** @throws RangeError for a non-positive window or cap. */
  constructor(windowSec: number, cap: number) {
    if (!(windowSec > 0) || !Number.isInteger(cap) || cap < 1) throw new RangeError('DistinctWindow: windowSec > 0 and cap >= 1 required');
    this.#windowSec = windowSec;
    this.#cap = cap;
  }

  /** Keys forgotten because the cap was reached (the count is then a lower bound). */
  get capHits(): number {
    return this.#capHits;
  }

  /** Records `key` at `tsSec`; returns true when it was not in the window before. */
  add(key: K, tsSec: number): boolean {
    this.expire(tsSec);
    const had = this.#seen.has(key);
    if (had) this.#seen.delete(key);
    else if (this.#seen.size >= this.#cap) {
      const oldest = this.#seen.keys().next();
      if (!oldest.done) this.#seen.delete(oldest.value);
      this.#capHits++;
    }
    this.#seen.set(key, tsSec);
    return !had;
  }

  has(key: K): boolean {
    return this.#seen.has(key);
  }

  /** Distinct keys in the window ending at `tsSec`. */
  size(tsSec: number): number {
    this.expire(tsSec);
    return this.#seen.size;
  }

  /** Keys in the window, oldest sighting first. */
  keys(): IterableIterator<K> {
    return this.#seen.keys();
  }

  /** Forgets keys last seen before `tsSec - windowSec`. */
  expire(tsSec: number): void {
    const limit = tsSec - this.#windowSec;
    for (const [k, t] of this.#seen) {
      if (t >= limit) break;
      this.#seen.delete(k);
    }
  }
}
