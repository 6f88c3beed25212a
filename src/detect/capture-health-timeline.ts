/**
 * CaptureHealthTimeline: per-second counts of what the capture missed (TCP
 * gaps, gap bytes, drops, connections picked up midstream), so a finding can
 * say how complete the evidence in its window was (Finding.captureHealth).
 *
 * Fed by the engine from transaction flags (`gap`, `midstream` on a
 * connection's first transaction) and by `note()` for counts known elsewhere
 * (capture drops, reassembly gap bytes). Packet time, seconds. At most
 * `maxSeconds` seconds are remembered (oldest dropped first; `capHits`).
 */
import type { CaptureHealth } from '../findings/finding.js';

interface Bucket {
  gaps: number;
  gapBytes: number;
  drops: number;
  midstreamFlows: number;
}

export class CaptureHealthTimeline {
  readonly #buckets = new Map<number, Bucket>();
  readonly #maxSeconds: number;
  #capHits = 0;

  constructor(maxSeconds = 86_400) {
    this.#maxSeconds = maxSeconds;
  }

  get size(): number {
    return this.#buckets.size;
  }

  get capHits(): number {
    return this.#capHits;
  }

  #bucket(tsSec: number): Bucket {
    const s = Math.floor(tsSec);
    let b = this.#buckets.get(s);
    if (!b) {
      if (this.#buckets.size >= this.#maxSeconds) {
        const oldest = this.#buckets.keys().next();
        if (!oldest.done) this.#buckets.delete(oldest.value);
        this.#capHits++;
      }
      b = { gaps: 0, gapBytes: 0, drops: 0, midstreamFlows: 0 };
      this.#buckets.set(s, b);
    }
    return b;
  }

  /** Adds counts at `tsSec`. */
  note(tsSec: number, counts: Partial<Bucket>): void {
    const b = this.#bucket(tsSec);
    b.gaps += counts.gaps ?? 0;
    b.gapBytes += counts.gapBytes ?? 0;
    b.drops += counts.drops ?? 0;
    b.midstreamFlows += counts.midstreamFlows ?? 0;
  }

  /** Health of [start, end] (whole seconds touched by the window). */
  health(start: number, end: number): CaptureHealth {
    const out: CaptureHealth = { gaps: 0, gapBytes: 0, drops: 0, midstreamFlows: 0, complete: true };
    const lo = Math.floor(start);
    const hi = Math.floor(end);
    const add = (b: Bucket): void => {
      out.gaps += b.gaps;
      out.gapBytes += b.gapBytes;
      out.drops += b.drops;
      out.midstreamFlows += b.midstreamFlows;
    };
    if (hi - lo + 1 <= this.#buckets.size) {
      for (let s = lo; s <= hi; s++) {
        const b = this.#buckets.get(s);
        if (b) add(b);
      }
    } else {
      for (const [s, b] of this.#buckets) if (s >= lo && s <= hi) add(b);
    }
    out.complete = out.gaps === 0 && out.drops === 0 && out.midstreamFlows === 0;
    return out;
  }
}
