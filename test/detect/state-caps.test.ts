// Property: detector state never passes its cap, however many distinct
// principals arrive, and every eviction is counted. The capped structures and
// the rate detector (the one a principal flood hits first) see 1,000,000
// distinct principals; the other detectors 100,000 (100 × their small caps).
import { describe, expect, it } from 'vitest';
import type { DetectionContext, Detector, FindingDraft } from '../../src/detect/detector.js';
import { BadBotDetector } from '../../src/detect/bad-bot-detector.js';
import { BolaDetector } from '../../src/detect/bola-detector.js';
import { CredentialAttackDetector } from '../../src/detect/credential-attack-detector.js';
import { ExposureDetector } from '../../src/detect/exposure-detector.js';
import { InjectionDetector } from '../../src/detect/injection-detector.js';
import { RateLimitDetector } from '../../src/detect/rate-limit-detector.js';
import { ScanningDetector } from '../../src/detect/scanning-detector.js';
import { LruMap } from '../../src/detect/lru-map.js';
import { DistinctWindow, SlidingCounter } from '../../src/detect/sliding-window.js';
import { DetectionEngine } from '../../src/detect/detection-engine.js';
import { T0, input } from './fixtures.js';

const N = 1_000_000;
const M = 100_000;

function drive(d: Detector, n: number, shape: (i: number, x: ReturnType<typeof input>, ctx: { endpoint: DetectionContext['endpoint']; pathParams: [string, string][] }) => void): void {
  const x = input({ ts: T0 });
  let reports = 0;
  const ctx = { endpoint: { host: 'h', method: 'POST', pathTemplate: '/login' }, pathParams: [] as [string, string][], report: (_d: FindingDraft) => { reports++; } };
  for (let i = 0; i < n; i++) {
    const ip = `p${i}`;
    x.principal = { kind: 'ip', id: ip, clientIp: ip, label: '' };
    x.ts = T0 + i / 1000;
    shape(i, x, ctx);
    d.observe(x, ctx);
    if ((i & 0xffff) === 0) {
      const s = d.stats();
      expect(s.stateSize).toBeLessThanOrEqual(s.stateCap);
    }
  }
  const s = d.stats();
  expect(s.stateSize).toBeLessThanOrEqual(s.stateCap);
  expect(s.capHits).toBeGreaterThan(0);
}

describe('bounded state', () => {
  it('LruMap and DistinctWindow stay at their caps and count evictions', () => {
    const m = new LruMap<number, number>(1000);
    const w = new DistinctWindow<number>(1e9, 1000);
    for (let i = 0; i < N; i++) {
      m.set(i, i);
      w.add(i, i);
    }
    expect([m.size, m.evictions]).toEqual([1000, N - 1000]);
    expect([w.size(N), w.capHits]).toEqual([1000, N - 1000]);
  });

  it('SlidingCounter keeps O(1) memory and forgets whole windows', () => {
    const c = new SlidingCounter(10, 10);
    for (let i = 0; i < 1000; i++) c.add(T0 + i * 0.1);
    expect(c.count(T0 + 99.95)).toBe(100);
    expect(c.count(T0 + 1000)).toBe(0);
  });

  it('credential detector: login failures from distinct sources and accounts', () => {
    const d = new CredentialAttackDetector({ maxSources: 1000, maxAccounts: 1000, maxEndpoints: 10, maxDistinct: 100 });
    drive(d, M, (i, x) => { x.method = 'POST'; x.status = 401; x.login = { userHash: `u${i}`, userMasked: '***', hasPassword: true }; });
    expect(d.stats().stateSize).toBeLessThanOrEqual(2010);
  });

  it('rate, scanning, bad-bot, injection, exposure, BOLA detectors', () => {
    drive(new RateLimitDetector({ maxKeysPerRule: 1000 }), N, () => {});
    drive(new ScanningDetector({ maxSources: 1000 }), M, (i, x) => { x.status = 404; x.uri = `/p${i}`; });
    drive(new BadBotDetector({ maxPrincipals: 1000 }), M, () => {});
    drive(new InjectionDetector({ maxKeys: 1000 }), M, (_i, x) => { x.params = [['query.q', "' OR '1'='1"]]; });
    drive(new ExposureDetector({ maxKeys: 1000 }), M, (i, x, ctx) => { x.basicAuth = true; ctx.endpoint = { host: 'h', method: 'GET', pathTemplate: `/e${i}` }; });
    drive(new BolaDetector({ maxKeys: 1000, maxPrincipals: 1000, maxIdsPerKey: 50 }), M, (i, x, ctx) => {
      ctx.pathParams = [['id', String(i)]];
      x.responseIds = [String(i)];
    });
  });

  it('engine: open episodes are capped too', () => {
    const engine = new DetectionEngine({ detectors: [new ScanningDetector({ minDistinctPaths: 1, maxSources: 500 })], maxEpisodes: 500 });
    for (let i = 0; i < 20_000; i++) engine.observe(input({ ts: T0 + i / 1000, status: 404, uri: `/x${i}`, principal: { kind: 'ip', id: `p${i}`, clientIp: `p${i}`, label: '' } }));
    const s = engine.stats();
    expect(s.episodes.value).toBeLessThanOrEqual(500);
    expect(s.episodes.capHits).toBe(20_000 - 500);
  });
});
