// DetectionEngine: episodes, seq/revision, capture health, schema, determinism.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { ScanningDetector } from '../../src/detect/scanning-detector.js';
import { CredentialAttackDetector } from '../../src/detect/credential-attack-detector.js';
import { createDefaultDetectors } from '../../src/detect/default-detectors.js';
import { T0, input, run } from './fixtures.js';
import type { DetectionInput } from '../../src/detect/detection-input.js';

const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../src/findings/finding.schema.json', import.meta.url)), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

const miss = (ts: number, n: number, flags: string[] = []) => input({ ts, uri: `/p${n}`, status: 404, flags });

describe('DetectionEngine', () => {
  it('one finding per episode: id stable, revision grows when the primary count doubles, seq strictly increases', () => {
    const inputs = Array.from({ length: 100 }, (_, i) => miss(T0 + i, i));
    const { emitted, findings } = run([new ScanningDetector()], inputs);
    // notFound at emissions: 20 (open), 40, 80; then 100 at finish (changed since 80).
    expect(emitted.map((f) => [f.seq, f.revision, f.counts['notFound']])).toEqual([[1, 1, 20], [2, 2, 40], [3, 3, 80], [4, 4, 100]]);
    const id = createHash('sha256').update(`scanning|ip:192.0.2.10|${T0}`).digest('hex').slice(0, 16);
    expect(new Set(emitted.map((f) => f.id))).toEqual(new Set([id]));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toEqual(emitted[3]);
    for (const f of emitted) expect(validate(f), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a quiet gap longer than episodeGapSec starts a new episode with a new id', () => {
    const a = Array.from({ length: 20 }, (_, i) => miss(T0 + i, i));
    const b = Array.from({ length: 20 }, (_, i) => miss(T0 + 1000 + i, 100 + i));
    const { findings } = run([new ScanningDetector()], [...a, ...b]);
    expect(findings.map((f) => [f.revision, f.window.start, f.window.end])).toEqual([[1, T0, T0 + 19], [1, T0 + 1000, T0 + 1019]]);
    expect(findings[0]!.id).not.toBe(findings[1]!.id);
  });

  it('capture health of the window: a gap lowers confidence by 0.6×', () => {
    const inputs = Array.from({ length: 20 }, (_, i) => miss(T0 + i, i, i === 3 ? ['gap'] : []));
    const { emitted } = run([new ScanningDetector()], inputs);
    expect(emitted[0]!.captureHealth).toEqual({ gaps: 1, gapBytes: 0, drops: 0, midstreamFlows: 0, complete: false });
    expect(emitted[0]!.confidence).toBe(0.48);
  });

  it('health noted outside transactions (drops) counts when inside the window only', () => {
    const inputs = Array.from({ length: 20 }, (_, i) => miss(T0 + i, i));
    const { engine, emitted } = run([new ScanningDetector()], []);
    engine.noteCaptureHealth(T0 - 5, { drops: 7 });
    engine.noteCaptureHealth(T0 + 2, { drops: 3, gapBytes: 100 });
    for (const i of inputs) engine.observe(i);
    expect(emitted[0]!.captureHealth).toEqual({ gaps: 0, gapBytes: 100, drops: 3, midstreamFlows: 0, complete: false });
  });

  it('severity never goes down within an episode', () => {
    const login = (user: string) => ({ userHash: user, userMasked: '***', hasPassword: true });
    // 10 failures for "a" (brute_force medium) … then 50 more: high at 50.
    const inputs = Array.from({ length: 60 }, (_, i) => input({ ts: T0 + i, method: 'POST', uri: '/login', status: 401, login: login('a') }));
    const { emitted } = run([new CredentialAttackDetector()], inputs);
    expect(emitted.filter((f) => f.type === 'brute_force' && f.principal !== null).map((f) => [f.severity, f.counts['failures']]))
      .toEqual([['medium', 10], ['medium', 20], ['medium', 40], ['high', 50], ['high', 60]]);
  });

  it('is deterministic and every emission is valid against the schema', () => {
    const make = (): DetectionInput[] => Array.from({ length: 300 }, (_, i) => input({
      ts: T0 + i * 0.5, uri: i % 3 === 0 ? `/users/${i}` : `/x${i % 50}?q=${i % 7 === 0 ? "1' OR '1'='1" : 'a'}`,
      status: i % 4 === 0 ? 404 : 200, userAgent: i % 2 ? 'curl/8.0' : 'sqlmap/1.7',
      params: i % 7 === 0 ? [['query.q', "1' OR '1'='1"]] : [],
    }));
    const a = run(createDefaultDetectors(), make());
    const b = run(createDefaultDetectors(), make().map((x, i) => ({ ...x, uid: a.emitted.length >= 0 ? `D${i}` : '' })));
    expect(a.emitted.length).toBeGreaterThan(3);
    for (const f of a.emitted) expect(validate(f), JSON.stringify(validate.errors)).toBe(true);
    const strip = (s: string) => s.replace(/"uid":"[CD]\d+"/g, '"uid":"_"');
    expect(strip(JSON.stringify(b.emitted))).toBe(strip(JSON.stringify(a.emitted)));
  });
});
