import { describe, expect, it } from 'vitest';
import { addLatency, latencyBucket, latencyPercentile, mergeLatency, newLatencySketch } from '../../src/inventory/latency-sketch.js';

describe('LatencySketch', () => {
  it('buckets are 1/8 of a power of two in µs', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(0.001)).toBe(1); // 1 µs = 2^0
    expect(latencyBucket(0.002)).toBe(9); // 2 µs = 2^1 → 8 + 1
    expect(latencyBucket(1.024)).toBe(81); // 1024 µs = 2^10
  });

  it('percentiles within the bucket error, clamped to min/max, mergeable', () => {
    const a = newLatencySketch();
    const b = newLatencySketch();
    for (let i = 1; i <= 50; i++) addLatency(a, i);
    for (let i = 51; i <= 100; i++) addLatency(b, i);
    mergeLatency(a, b);
    expect(a.count).toBe(100);
    expect(a.minMs).toBe(1);
    expect(a.maxMs).toBe(100);
    const p50 = latencyPercentile(a, 0.5)!;
    expect(Math.abs(p50 - 50) / 50).toBeLessThan(0.045);
    expect(latencyPercentile(a, 1)).toBe(100);
    expect(latencyPercentile(newLatencySketch(), 0.5)).toBeNull();
  });
});
