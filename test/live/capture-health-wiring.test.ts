/**
 * The wiring of live capture health without a live capture (no root needed):
 * CaptureHealthTracker samples → capture-command's noteHealth → the real
 * AnalysisSession (detectors) and the MetricsRegistry.
 *
 * Transactions: pcaps/attacks/hydra-stuffing.pcap replayed (hydra credential
 * stuffing from 10.78.0.11; attack window in hydra-stuffing.truth.json).
 * Expected drop counts are the counters fed in (hand-set stats), placed
 * inside or far outside the truth window.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './live-env.js';
import { CaptureHealthTracker, type CaptureHealthSample } from '../../src/capture/live-health.js';
import type { LiveCaptureStats } from '../../src/capture/live-source.js';
import { AnalysisSession } from '../../src/replay/analysis-session.js';
import { replayFiles } from '../../src/replay/replay.js';
import { noteHealth } from '../../src/cli/capture-command.js';
import { MetricsRegistry } from '../../src/serve/metrics-registry.js';
import type { Finding } from '../../src/findings/finding.js';

const PCAP = path.join(ROOT, 'pcaps', 'attacks', 'hydra-stuffing.pcap');
const TRUTH = JSON.parse(readFileSync(path.join(ROOT, 'pcaps', 'attacks', 'hydra-stuffing.truth.json'), 'utf8')) as {
  attackerIps: string[];
  window: { start: number; end: number };
};

const stats = (received: number, delivered: number, droppedKernel: number, droppedInterface: number): LiveCaptureStats => ({
  received, delivered, droppedKernel, droppedInterface, deliveredBytes: 0, batchTruncated: 0,
});

/** Replays the hydra capture through a fresh session, after feeding `samples`; the attacker's stuffing finding. */
async function stuffingFinding(samples: CaptureHealthSample[]): Promise<Finding> {
  const analysis = await AnalysisSession.open({ db: null, detect: true });
  try {
    for (const s of samples) noteHealth(analysis, s);
    await replayFiles([PCAP], { workers: 0, withDetail: true, onTransaction: analysis.record });
    const found = analysis.finish().findings!.findings.filter((f) => f.type === 'credential_stuffing' && f.principal?.clientIp === TRUTH.attackerIps[0]);
    expect(found).toHaveLength(1);
    return found[0]!;
  } finally {
    await analysis.close();
  }
}

describe('live capture health wiring', () => {
  it('tracker samples carry cumulative counters, per-tick deltas and the open window rate', () => {
    const t = new CaptureHealthTracker(1_000_000, { windowMs: 10_000 });
    const a = t.sample(stats(100, 90, 10, 2), 1_000_250);
    expect(a).toEqual({
      tsSec: 1000.25, received: 100, delivered: 90, droppedKernel: 10, droppedInterface: 2,
      delta: { received: 100, droppedKernel: 10, droppedInterface: 2 }, windowDropRate: 0.1, final: false,
    });
    // Window closes at this sample (10 s after the start): the rate is still of the closing window.
    const b = t.sample(stats(300, 270, 30, 2), 1_010_000);
    expect(b.delta).toEqual({ received: 200, droppedKernel: 20, droppedInterface: 0 });
    expect(b.windowDropRate).toBe(0.1);
    const c = t.sample(stats(400, 370, 30, 5), 1_010_500, true);
    expect(c.delta).toEqual({ received: 100, droppedKernel: 0, droppedInterface: 3 });
    expect(c.windowDropRate).toBe(0);
    expect(c.final).toBe(true);
    const h = t.finish(stats(400, 370, 30, 5), 1_010_500, { interface: 'x', filter: null, linkType: 1, snaplen: 65535, nanosecond: true });
    expect(h.windows.map((w) => [w.received, w.droppedKernel, w.droppedInterface])).toEqual([[300, 30, 2], [100, 0, 3]]);
  });

  it('metrics follow the samples: counters advance by differences, the rate gauge is set', async () => {
    const m = new MetricsRegistry({ defaultMetrics: false });
    m.setCaptureHealth({ received: 100, delivered: 90, droppedKernel: 10, droppedInterface: 2, windowDropRate: 0.1 });
    m.setCaptureHealth({ received: 300, delivered: 270, droppedKernel: 30, droppedInterface: 2, windowDropRate: 0.05 });
    const text = await m.text();
    for (const line of [
      'apisensor_capture_received_packets_total 300',
      'apisensor_capture_delivered_packets_total 270',
      'apisensor_capture_kernel_drops_total 30',
      'apisensor_capture_interface_drops_total 2',
      'apisensor_capture_drop_rate 0.05',
      'apisensor_capture_drops_total 32',
    ]) expect(text.split('\n')).toContain(line);
  });

  it('drops of a tick inside the attack window reach the finding, drops far outside do not', async () => {
    const start = TRUTH.window.start;
    const t = new CaptureHealthTracker((start - 200) * 1000);
    const outside = t.sample(stats(1000, 995, 4, 1), (start - 100) * 1000); // 100 s before the attack
    const inside = t.sample(stats(2000, 1965, 31, 3), (start + 1) * 1000); // +27 kernel, +2 interface drops
    expect(outside.delta).toEqual({ received: 1000, droppedKernel: 4, droppedInterface: 1 });
    expect(inside.delta).toEqual({ received: 1000, droppedKernel: 27, droppedInterface: 2 });

    const clean = await stuffingFinding([]);
    const dropped = await stuffingFinding([outside, inside]);
    expect(clean.captureHealth.drops).toBe(0);
    expect(dropped.id).toBe(clean.id);
    expect(dropped.captureHealth.drops).toBe(27 + 2);
    expect(dropped.captureHealth.complete).toBe(false);
    expect(dropped.confidence).toBeLessThan(clean.confidence);
  });
});
