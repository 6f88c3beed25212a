// Two mirrored tenants with the same private addresses never merge (issue 6 §4).
//
// pcaps/attacks/tenants-NAME.pcap is NAME.pcap wrapped twice in VXLAN, VNI 101
// and VNI 202, merged by timestamp (pcaps/attacks/make-tenants.sh; tshark
// decodes every frame as VXLAN, 620 + 620 frames for hydra-stuffing, 466 + 466
// for distributed-stuffing). The oracles: NAME.truth.json and the server's
// access log beside the plain capture, and the plain capture's own findings —
// each tenant must get exactly those, tagged with its tenant and with
// principal ids of its own.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { replayFiles } from '../../src/replay/replay.js';
import { DataClassifier } from '../../src/inventory/data-classes.js';
import { DetectionInputBuilder } from '../../src/detect/detection-input.js';
import { PrincipalResolver } from '../../src/detect/principal.js';
import { DetectionEngine } from '../../src/detect/detection-engine.js';
import { createDefaultDetectors } from '../../src/detect/default-detectors.js';
import { loadRateRules } from '../../src/detect/rate-rules.js';
import type { Finding } from '../../src/findings/finding.js';

const dir = (p: string) => fileURLToPath(new URL(`../../pcaps/attacks/${p}`, import.meta.url));
const SALT = 'test-salt';
const TENANTS = ['vxlan:101', 'vxlan:202'];

async function detect(file: string): Promise<{ findings: Finding[]; emitted: Finding[]; inputs: number }> {
  const builder = new DetectionInputBuilder({ resolver: new PrincipalResolver({ salt: SALT }), classifier: new DataClassifier({ salt: SALT }) });
  const emitted: Finding[] = [];
  const engine = new DetectionEngine({
    detectors: createDefaultDetectors({ rateRules: loadRateRules(dir('rate-rules.yaml')) }),
    onFinding: (f) => emitted.push(f),
  });
  let inputs = 0;
  const res = await replayFiles([file], {
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

/** What must be equal between a tenant's finding and the plain one (ids, seqs and principal ids differ by design). */
function comparable(f: Finding): unknown {
  return {
    type: f.type, severity: f.severity, confidence: f.confidence, owaspApi: f.owaspApi, title: f.title, description: f.description,
    endpoint: f.endpoint, principal: f.principal && { kind: f.principal.kind, clientIp: f.principal.clientIp },
    window: f.window, counts: f.counts, notes: f.evidence.notes, captureHealth: f.captureHealth,
  };
}

const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../src/findings/finding.schema.json', import.meta.url)), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

interface Truth { attackerIps: string[]; window: { start: number; end: number }; expect: { type: string; principalKind: string; clientIp: string }[] }

describe('two VXLAN tenants carrying the same attack', () => {
  for (const name of ['hydra-stuffing', 'distributed-stuffing']) {
    it(`${name}: one finding per tenant for every plain finding, tenant-tagged, with distinct principals`, async () => {
      const truth = JSON.parse(readFileSync(dir(`${name}.truth.json`), 'utf8')) as Truth;
      const logged = readFileSync(dir(`logs/${name}.access.jsonl`), 'utf8').split('\n').filter(Boolean).length;
      const plain = await detect(dir(`${name}.pcap`));
      const both = await detect(dir(`tenants-${name}.pcap`));
      expect(plain.inputs).toBe(logged);
      expect(both.inputs).toBe(2 * logged);

      // Plain traffic: no tenant key at all (JSON unchanged), truth episodes present.
      for (const f of plain.emitted) expect(Object.hasOwn(f, 'tenant')).toBe(false);
      for (const f of both.emitted) expect(validate(f), JSON.stringify(validate.errors)).toBe(true);
      expect(plain.findings.length).toBeGreaterThan(0);

      const byTenant = new Map<string, Finding[]>();
      for (const f of both.findings) {
        expect(TENANTS).toContain(f.tenant);
        byTenant.set(f.tenant!, [...(byTenant.get(f.tenant!) ?? []), f]);
      }
      expect([...byTenant.keys()].sort()).toEqual(TENANTS);
      const sortKey = (f: Finding) => JSON.stringify(comparable(f));
      const want = plain.findings.map(sortKey).sort();
      for (const t of TENANTS) expect(byTenant.get(t)!.map(sortKey).sort()).toEqual(want);

      // Ids never shared across tenants; principal ids tenant-qualified (principal.ts:
      // `address%tenant` for kind ip).
      const ids = both.findings.map((f) => f.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const f of both.findings) {
        if (f.principal?.kind === 'ip') expect(f.principal.id).toBe(`${f.principal.clientIp}%${f.tenant}`);
      }

      // The truth episodes, once per tenant.
      for (const w of truth.expect) {
        for (const t of TENANTS) {
          const m = byTenant.get(t)!.filter((f) => f.type === w.type && (w.principalKind === 'distributed'
            ? f.principal === null && f.counts['sources'] === truth.attackerIps.length
            : f.principal?.kind === w.principalKind && f.principal.clientIp === w.clientIp));
          expect(m.length, `${w.type} in ${t}`).toBe(1);
          expect(m[0]!.window.start).toBeGreaterThanOrEqual(truth.window.start - 1);
          expect(m[0]!.window.end).toBeLessThanOrEqual(truth.window.end + 1);
        }
        if (w.principalKind === 'ip') {
          const ps = both.findings.filter((f) => f.type === w.type && f.principal?.clientIp === w.clientIp).map((f) => f.principal!.id).sort();
          expect(ps).toEqual([`${w.clientIp}%vxlan:101`, `${w.clientIp}%vxlan:202`]);
          // The plain finding keeps the documented id: SHA-256 of `type|key|windowStart`, key = the address.
          const p = plain.findings.find((f) => f.type === w.type && f.principal?.clientIp === w.clientIp)!;
          expect(p.principal!.id).toBe(w.clientIp);
          expect(p.id).toBe(createHash('sha256').update(`${w.type}|${w.clientIp}|${p.window.start}`).digest('hex').slice(0, 16));
        }
      }
    });
  }
});
