/**
 * SeededRandom: a small deterministic PRNG (mulberry32) for the synthetic
 * capture generator. The same seed gives the same sequence on every platform
 * and Node version, so a generated capture is byte-for-byte reproducible.
 *
 * Not cryptographic; 32 bits of state are plenty for traffic shapes.
 */
export class SeededRandom {
  #state: number;

  /** @param seed any integer; only its low 32 bits are used. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Next unsigned 32-bit integer, uniform over [0, 2^32). */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Next float, uniform over [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer uniform over [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p` (0..1). */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Integer log-uniform over [min, max]: as many values in 100..1000 as in 1000..10000. */
  logInt(min: number, max: number): number {
    return Math.round(min * Math.pow(max / min, this.next()));
  }
}
