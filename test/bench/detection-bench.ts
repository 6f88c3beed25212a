/**
 * Detector cost per transaction (issue 4), measured in-process on the
 * benchmark capture with the default worker count: one replay with detail,
 * every transaction turned into a DetectionInput (principal resolution,
 * parameter and body extraction) and observed by the DetectionEngine with the
 * default detectors. Reported: µs per transaction inside `build` and inside
 * `observe` (sums of per-call hrtime on the main thread), findings emitted,
 * and the detectors' state sizes against their caps.
 */
import { DataClassifier } from '../../src/inventory/data-classes.js';
import { PrincipalResolver } from '../../src/detect/principal.js';
import { DetectionInputBuilder } from '../../src/detect/detection-input.js';
import { DetectionEngine } from '../../src/detect/detection-engine.js';
import { createDefaultDetectors } from '../../src/detect/default-detectors.js';
import { replayFiles } from '../../src/replay/replay.js';

export interface DetectionBenchResult {
  transactions: number;
  wallMs: number;
  buildUsPerTransaction: number;
  observeUsPerTransaction: number;
  findingsEmitted: number;
  episodes: number;
  detectors: { name: string; stateSize: number; stateCap: number; capHits: number }[];
}

export async function runDetectionBench(file: string): Promise<DetectionBenchResult> {
  const salt = 'bench';
  const builder = new DetectionInputBuilder({
    resolver: new PrincipalResolver({ salt }),
    classifier: new DataClassifier({ salt }),
  });
  let emitted = 0;
  const engine = new DetectionEngine({ detectors: createDefaultDetectors(), onFinding: () => emitted++ });
  let transactions = 0;
  let buildNs = 0n;
  let observeNs = 0n;
  const t0 = performance.now();
  await replayFiles([file], {
    withDetail: true,
    onTransaction: (r) => {
      transactions++;
      const a = process.hrtime.bigint();
      const input = builder.build(r);
      const b = process.hrtime.bigint();
      engine.observe(input);
      observeNs += process.hrtime.bigint() - b;
      buildNs += b - a;
    },
  });
  const episodes = engine.finish().length;
  const wallMs = performance.now() - t0;
  const per = (ns: bigint): number => (transactions === 0 ? 0 : Number(ns) / 1000 / transactions);
  return {
    transactions,
    wallMs,
    buildUsPerTransaction: per(buildNs),
    observeUsPerTransaction: per(observeNs),
    findingsEmitted: emitted,
    episodes,
    detectors: engine.stats().detectors,
  };
}
