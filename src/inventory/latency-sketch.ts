/**
 * LatencySketch: a bounded, mergeable histogram of durations with fixed
 * logarithmic buckets (8 per power of two, so a percentile is within ±4.4 %
 * of the true value). Plain JSON data; functions below mutate it.
 *
 * Bucket 0 holds [0, 1 µs); bucket i ≥ 1 holds [2^((i-1)/8), 2^(i/8)) µs;
 * the last bucket (`LATENCY_BUCKETS - 1`, about 2^37 µs ≈ 38 h) also takes
 * everything above. Percentiles report the geometric middle of their bucket
 * (bucket 0 reports 0), clamped to the exact min and max; the first and last
 * ranks report the exact min and max.
 */
export const LATENCY_BUCKETS = 300;

export interface LatencySketch {
  count: number;
  /** Milliseconds. */
  sumMs: number;
  minMs: number;
  maxMs: number;
  /** Sparse bucket index (decimal string) → count. */
  buckets: Record<string, number>;
}

export function newLatencySketch(): LatencySketch {
  return { count: 0, sumMs: 0, minMs: 0, maxMs: 0, buckets: {} };
}

/** Bucket index of a duration in milliseconds (negative durations count as 0). */
export function latencyBucket(ms: number): number {
  const us = ms * 1000;
  if (!(us >= 1)) return 0;
  return Math.min(LATENCY_BUCKETS - 1, Math.floor(Math.log2(us) * 8) + 1);
}

export function addLatency(s: LatencySketch, ms: number): void {
  const v = ms > 0 ? ms : 0;
  s.minMs = s.count === 0 ? v : Math.min(s.minMs, v);
  s.maxMs = s.count === 0 ? v : Math.max(s.maxMs, v);
  s.count++;
  s.sumMs += v;
  const b = String(latencyBucket(v));
  s.buckets[b] = (s.buckets[b] ?? 0) + 1;
}

export function mergeLatency(dst: LatencySketch, src: LatencySketch): void {
  if (src.count === 0) return;
  dst.minMs = dst.count === 0 ? src.minMs : Math.min(dst.minMs, src.minMs);
  dst.maxMs = dst.count === 0 ? src.maxMs : Math.max(dst.maxMs, src.maxMs);
  dst.count += src.count;
  dst.sumMs += src.sumMs;
  for (const b of Object.keys(src.buckets)) dst.buckets[b] = (dst.buckets[b] ?? 0) + src.buckets[b]!;
}

/** The q-quantile (0 < q ≤ 1) in milliseconds: nearest-rank bucket's geometric middle; null when empty. */
export function latencyPercentile(s: LatencySketch, q: number): number | null {
  if (s.count === 0) return null;
  const rank = Math.max(1, Math.ceil(q * s.count));
  if (rank >= s.count) return s.maxMs;
  if (rank === 1) return s.minMs;
  const idx = Object.keys(s.buckets).map(Number).sort((a, b) => a - b);
  let seen = 0;
  for (const i of idx) {
    seen += s.buckets[String(i)]!;
    if (seen >= rank) {
      const mid = i === 0 ? 0 : 2 ** ((i - 0.5) / 8) / 1000;
      return Math.min(s.maxMs, Math.max(s.minMs, mid));
    }
  }
  return s.maxMs;
}
