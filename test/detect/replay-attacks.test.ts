// End-to-end: every attack capture in pcaps/attacks/ (recorded with hydra,
// sqlmap, gobuster, wrk and curl by pcaps/attacks/make-attacks.sh) replayed
// through replayFiles into the DetectionEngine. The oracle is each capture's
// truth file (attacker addresses, tool, time window, expected finding types),
// written by the generation script when the tools ran, plus the server's
// access log beside it.
//
// Records arrive with their header lists and body samples (`withDetail`), and
// each is turned into a DetectionInput in output order, as `apisensor replay
// --findings` does.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { replayFiles } from '../../src/replay/replay.js';
import { DataClassifier } from '../../src/inventory/data-classes.js';
import { DetectionInputBuilder, maskUser } from '../../src/detect/detection-input.js';
import { PrincipalResolver } from '../../src/detect/principal.js';
import { DetectionEngine } from '../../src/detect/detection-engine.js';
import { createDefaultDetectors } from '../../src/detect/default-detectors.js';
import { loadRateRules } from '../../src/detect/rate-rules.js';
import { SEVERITY_RANK, type Finding } from '../../src/findings/finding.js';

const dir = (p: string) => fileURLToPath(new URL(`../../pcaps/${p}`, import.meta.url));
const SALT = 'test-salt';
const resolver = new PrincipalResolver({ salt: SALT });

interface Truth {
  capture: string;
  attackerIps: string[];
  window: { start: number; end: number };
  expect: { type: string; principalKind: string; clientIp: string; account?: string; subject?: string; apiKey?: string; class?: string }[];
}

async function detect(files: string[]): Promise<{ findings: Finding[]; emitted: Finding[]; inputs: number }> {
  const builder = new DetectionInputBuilder({ resolver, classifier: new DataClassifier({ salt: SALT }) });
  const emitted: Finding[] = [];
  const engine = new DetectionEngine({
    detectors: createDefaultDetectors({ rateRules: loadRateRules(dir('attacks/rate-rules.yaml')) }),
    onFinding: (f) => emitted.push(f),
  });
  let inputs = 0;
  const res = await replayFiles(files, {
    workers: 1,
    withDetail: true,
    onTransaction: (r) => {
      inputs++;
      engine.observe(builder.build(r));
    },
  });
  expect(res.error).toBeUndefined();
  return { findings: engine.finish(), emitted, inputs };
}

const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../src/findings/finding.schema.json', import.meta.url)), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

function accessLogLines(name: string): { clientIp: string }[] {
  return readFileSync(dir(`attacks/logs/${name}.access.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { clientIp: string });
}

const ATTACKS = ['hydra-bruteforce', 'hydra-stuffing', 'distributed-stuffing', 'sqlmap-injection', 'gobuster-scan', 'idwalk-bola', 'wrk-flood'];

describe('attack captures → findings', () => {
  for (const name of ATTACKS) {
    it(`${name}: every truth episode is found for the right principal; benign clients stay at or below low`, async () => {
      const truth = JSON.parse(readFileSync(dir(`attacks/${name}.truth.json`), 'utf8')) as Truth;
      const { findings, emitted, inputs } = await detect([dir(`attacks/${truth.capture}`)]);
      // Every transaction the server logged reached the engine.
      expect(inputs).toBe(accessLogLines(name).length);
      for (const f of emitted) expect(validate(f), JSON.stringify(validate.errors)).toBe(true);
      for (const want of truth.expect) {
        const match = findings.filter((f) => {
          if (f.type !== want.type) return false;
          if (f.window.start < truth.window.start - 1 || f.window.end > truth.window.end + 1) return false;
          if (want.class && !f.evidence.notes.includes(`class ${want.class}`)) return false;
          if (want.principalKind === 'distributed') return f.principal === null && f.counts['sources'] === truth.attackerIps.length;
          if (f.principal?.kind !== want.principalKind || f.principal.clientIp !== want.clientIp) return false;
          if (want.principalKind === 'ip') return f.principal.id === want.clientIp;
          if (want.principalKind === 'jwt_sub') return f.principal.id === resolver.hash('jwt_sub', want.subject!);
          if (want.principalKind === 'api_key') return f.principal.id === resolver.hash('api_key', want.apiKey!);
          return false;
        });
        expect(match.length, `${want.type} for ${want.clientIp}: ${JSON.stringify(findings.map((f) => [f.type, f.severity, f.principal]))}`).toBe(1);
        const f = match[0]!;
        expect(SEVERITY_RANK[f.severity]).toBeGreaterThanOrEqual(SEVERITY_RANK.medium);
        if (want.account) expect(f.description).toContain(maskUser(want.account));
      }
      const attackers = new Set(truth.attackerIps);
      for (const f of findings) {
        if (f.principal && !attackers.has(f.principal.clientIp)) {
          expect(SEVERITY_RANK[f.severity], `${f.type} ${f.severity} for benign ${f.principal.clientIp}`).toBeLessThanOrEqual(SEVERITY_RANK.low);
        }
      }
    });
  }

  for (const capture of ['attacks/benign.pcap', 'own/api-keepalive.pcap']) {
    it(`${capture}: no finding above low`, async () => {
      const { findings } = await detect([dir(capture)]);
      const above = findings.filter((f) => SEVERITY_RANK[f.severity] > SEVERITY_RANK.low);
      expect(above.map((f) => `${f.type} ${f.severity} ${f.description}`)).toEqual([]);
    });
  }

  it('is deterministic: the same capture gives byte-identical findings', async () => {
    const a = await detect([dir('attacks/hydra-bruteforce.pcap')]);
    const b = await detect([dir('attacks/hydra-bruteforce.pcap')]);
    expect(JSON.stringify(b.emitted)).toBe(JSON.stringify(a.emitted));
    expect(a.emitted.length).toBeGreaterThan(0);
  });
});
