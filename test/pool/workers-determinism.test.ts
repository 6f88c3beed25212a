/**
 * Flow affinity and determinism: the same captures replayed with 0 (inline),
 * 1, 2 and 3 worker threads give byte-identical transaction output and
 * identical summaries (but the per-worker cap peaks, which depend on N). Needs the compiled worker (`npm test` builds first).
 */
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { replayFiles } from '../../src/replay/replay.js';
import { transactionToJson } from '../../src/replay/transaction-jsonl.js';

const FILES = [
  'pcaps/peers/suricata-verify/http-range-multiflows/input.pcap',
  'pcaps/peers/zeek/wikipedia/wikipedia.pcap',
  'pcaps/own/ab-keepalive.pcap',
  'pcaps/own/api-keepalive.pcap',
].filter((f) => existsSync(f));

async function run(workers: number): Promise<{ jsonl: string; summary: string; count: number }> {
  const lines: string[] = [];
  const result = await replayFiles(FILES, { workers, onTransaction: (t) => lines.push(transactionToJson(t)) });
  expect(result.error).toBeUndefined();
  // Per-worker peaks (caps) depend on how flows are spread over workers by design; the rest must not.
  const { elapsedMs: _elapsed, caps: _caps, ...summary } = result.summary;
  return { jsonl: lines.join('\n'), summary: JSON.stringify(summary), count: lines.length };
}

describe('worker pool with flow affinity', () => {
  it('replays the same captures identically for any worker count', async () => {
    expect(FILES.length).toBeGreaterThanOrEqual(3);
    const inline = await run(0);
    expect(inline.count).toBeGreaterThan(100);
    for (const workers of [1, 2, 3]) {
      const pooled = await run(workers);
      expect(pooled.count, `workers=${workers}`).toBe(inline.count);
      expect(pooled.jsonl, `workers=${workers}`).toBe(inline.jsonl);
      expect(pooled.summary, `workers=${workers}`).toBe(inline.summary);
    }
  });
});
