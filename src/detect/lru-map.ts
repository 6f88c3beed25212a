/**
 * LruMap: a Map with a finite capacity that evicts the least recently used
 * entry when full (JS Map iteration order = insertion order; `get`/`touch`
 * re-insert). Every eviction is counted (`evictions`), so detectors can
 * report "state cap hit" in their stats and the run summary.
 */
export class LruMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly #cap: number;
  #evictions = 0;
  readonly #onEvict: ((key: K, value: V) => void) | undefined;

  /** @throws RangeError when `cap` is not a positive integer. */
  constructor(cap: number, onEvict?: (key: K, value: V) => void) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`LruMap cap must be a positive integer, got ${cap}`);
    this.#cap = cap;
    this.#onEvict = onEvict;
  }

  get size(): number {
    return this.#map.size;
  }

  get cap(): number {
    return this.#cap;
  }

  /** Entries evicted because the map was full. */
  get evictions(): number {
    return this.#evictions;
  }

  /** Value of `key`, marking it most recently used. */
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  /** Value without changing recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  /** Insert or replace (most recently used); evicts the LRU entry when full. */
  set(key: K, value: V): void {
    if (this.#map.has(key)) this.#map.delete(key);
    else if (this.#map.size >= this.#cap) this.#evictOldest();
    this.#map.set(key, value);
  }

  /** Value of `key`, created with `make()` when absent. */
  getOrCreate(key: K, make: () => V): V {
    const v = this.get(key);
    if (v !== undefined) return v;
    const created = make();
    this.set(key, created);
    return created;
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  /** Oldest (least recently used) first. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }

  /** Deletes entries from the LRU end while `pred` holds; stops at the first that does not. */
  pruneOldest(pred: (value: V, key: K) => boolean): number {
    let n = 0;
    for (const [k, v] of this.#map) {
      if (!pred(v, k)) break;
      this.#map.delete(k);
      n++;
    }
    return n;
  }

  /** Deletes every entry for which `pred` holds (full scan). */
  deleteWhere(pred: (value: V, key: K) => boolean): number {
    let n = 0;
    for (const [k, v] of this.#map) {
      if (pred(v, k)) {
        this.#map.delete(k);
        n++;
      }
    }
    return n;
  }

  #evictOldest(): void {
    const first = this.#map.entries().next();
    if (first.done) return;
    const [k, v] = first.value;
    this.#map.delete(k);
    this.#evictions++;
    this.#onEvict?.(k, v);
  }
}
