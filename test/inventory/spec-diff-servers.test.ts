// Spec diff and shadow-API findings honour the spec's `servers` (OpenAPI
// 3.1.0 §4.8.5): a spec for one host classifies only that host's endpoints.
// Capture: pcaps/inventory/api-20-routes.pcap (two virtual hosts, 30 routes;
// see pcaps/README.md). Oracles, independent of src/inventory:
//  - routes.json: the server's route table (host, method, template);
//  - logs/api-20-routes.access.jsonl: every request with the route matched and its status;
//  - openapi.yaml: the hand-written spec; the variants below are made from
//    its `paths` by editing `servers` (and stripping `/api/v1` for the base-path variant).
// Expected sets are computed from routes.json and the variant's paths with
// parameter names erased, and spelled out as literals as well.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInventory } from './inventory-cli.js';
import { DataClassifier } from '../../src/inventory/data-classes.js';
import { DetectionEngine } from '../../src/detect/detection-engine.js';
import { DetectionInputBuilder } from '../../src/detect/detection-input.js';
import { PrincipalResolver } from '../../src/detect/principal.js';
import { ShadowApiDetector } from '../../src/detect/shadow-api-detector.js';
import type { Finding } from '../../src/findings/finding.js';
import { InventorySession } from '../../src/inventory/inventory-session.js';
import { formatRunSummary } from '../../src/inventory/inventory-format.js';
import { diffAgainstSpec, loadSpecObject, type LoadedSpec, type SpecDiffResult } from '../../src/inventory/spec-diff.js';
import type { TransactionRecord } from '../../src/http/transaction-record.js';
import { replayFiles } from '../../src/replay/replay.js';

const dir = (name: string) => fileURLToPath(new URL(`../../pcaps/inventory/${name}`, import.meta.url));
const SHOP = 'shop.example.com';
const RECORDS = 'records.example.com';
type Doc = { servers?: unknown; paths: Record<string, Record<string, unknown>> } & Record<string, unknown>;
const original = parseYaml(readFileSync(dir('openapi.yaml'), 'utf8')) as Doc;
const routes = JSON.parse(readFileSync(dir('routes.json'), 'utf8')) as { host: string; method: string; template: string }[];
const log = readFileSync(dir('logs/api-20-routes.access.jsonl'), 'utf8').trim().split('\n')
  .map((l) => JSON.parse(l) as { host: string; method: string; route: string; status: number });

const erase = (t: string) => t.replace(/\{[^{}/]*\}/g, '{}');
const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

/** Operations of a variant as `METHOD /full/path` (names erased), with the base path prefixed. */
function ops(doc: Doc, base: string): { key: string; deprecated: boolean }[] {
  return Object.entries(doc.paths).flatMap(([p, item]) => Object.entries(item).filter(([m]) => METHODS.has(m))
    .map(([m, op]) => ({ key: `${m.toUpperCase()} ${erase(base + p)}`, deprecated: (op as { deprecated?: boolean }).deprecated === true })));
}

/** The expected diff of a spec covering only `host`, from routes.json and the spec's operations. */
function expected(host: string, specOps: { key: string; deprecated: boolean }[]) {
  const mine = routes.filter((r) => r.host === host).map((r) => ({ key: `${r.method} ${erase(r.template)}`, name: `${r.method} ${r.template}` }));
  const find = (k: string) => specOps.find((o) => o.key === k);
  return {
    shadow: mine.filter((r) => !find(r.key)).map((r) => r.name).sort(),
    zombie: mine.filter((r) => find(r.key)?.deprecated).map((r) => r.name).sort(),
    documented: mine.filter((r) => find(r.key) && !find(r.key)!.deprecated).length,
    orphan: specOps.filter((o) => !mine.some((r) => r.key === o.key)).map((o) => o.key).sort(),
    uncovered: routes.filter((r) => r.host !== host).map((r) => `${r.host} ${r.method} ${r.template}`).sort(),
  };
}

function summarize(d: SpecDiffResult) {
  const names = (l: SpecDiffResult['shadow']) => l.map((e) => `${e.endpoint.method} ${e.endpoint.pathTemplate}`).sort();
  return {
    shadow: names(d.shadow),
    zombie: names(d.zombie),
    documented: d.documented.length,
    orphan: d.orphan.map((o) => `${o.method} ${erase(o.path)}`).sort(),
    uncovered: d.uncovered.map((e) => `${e.endpoint.host} ${e.endpoint.method} ${e.endpoint.pathTemplate}`).sort(),
  };
}

/** Variant 1: the original paths, served by shop.example.com only. */
const shopOnly: Doc = { ...original, servers: [{ url: 'http://shop.example.com' }] };
/** Variant 2: shop's paths relative to a base path, with host and version variables. */
const shopBase: Doc = {
  ...original,
  servers: [{
    url: 'https://{tenant}.example.com/api/{version}',
    variables: { tenant: { default: 'shop', enum: ['shop', 'www'] }, version: { default: 'v1', enum: ['v1', 'v0'] } },
  }],
  paths: Object.fromEntries(Object.entries(original.paths).filter(([p]) => p.startsWith('/api/v1/')).map(([p, item]) => [p.slice('/api/v1'.length), item])),
};
/** Variant 3: root servers shop.example.com, records' Path Items override with their own server (§4.8.9). */
const perPath: Doc = {
  ...original,
  servers: [{ url: 'http://shop.example.com' }],
  paths: Object.fromEntries(Object.entries(original.paths).map(([p, item]) =>
    [p, p.startsWith('/api/v1/') ? item : { ...item, servers: [{ url: 'http://records.example.com' }] }])),
};

let session: InventorySession;
const records: TransactionRecord[] = [];
let tmp = '';
let db = '';

beforeAll(async () => {
  session = await InventorySession.open({ db: ':memory:', salt: '00' });
  const res = await replayFiles([dir('api-20-routes.pcap')], { workers: 0, withDetail: true, onTransaction: (r) => {
    session.record(r);
    records.push(r);
  } });
  expect(res.error).toBeUndefined();
  tmp = mkdtempSync(join(tmpdir(), 'aps-spec-servers-'));
  db = join(tmp, 'inv.db');
  const s = await InventorySession.open({ db, salt: '00' });
  for (const r of records) s.record(r);
  s.finish();
  s.close();
});
afterAll(() => {
  session.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('spec servers scope the diff (api-20-routes.pcap)', () => {
  it('the capture holds 149 requests on 30 routes: 20 of shop.example.com, 10 of records.example.com', () => {
    expect(records.length).toBe(149);
    expect(routes.filter((r) => r.host === SHOP).length).toBe(20);
    expect(routes.filter((r) => r.host === RECORDS).length).toBe(10);
    expect(session.endpoints().map((e) => `${e.host} ${e.method} ${erase(e.pathTemplate)}`).sort())
      .toEqual(routes.map((r) => `${r.host} ${r.method} ${erase(r.template)}`).sort());
  });

  it('a spec for shop.example.com classifies only its endpoints; records.example.com is uncovered', async () => {
    const spec = await loadSpecObject(shopOnly);
    expect([spec.hostScoped, spec.warnings]).toEqual([true, []]);
    const got = summarize(diffAgainstSpec(session.endpoints(), spec));
    expect(got).toEqual(expected(SHOP, ops(shopOnly, '')));
    expect(got.shadow).toEqual(['GET /api/v1/internal/debug', 'GET /api/v1/users/{userId}/orders']);
    expect(got.zombie).toEqual(['GET /api/v1/orders']);
    expect(got.documented).toBe(17);
    // Records' 11 operations are documented at shop.example.com, where they are never seen.
    expect(got.orphan.length).toBe(3 + 11);
    expect(got.uncovered.length).toBe(10);
    expect(new Set(got.uncovered.map((u) => u.split(' ')[0]))).toEqual(new Set([RECORDS]));
  });

  it('base path and server variables: the same classification from paths relative to /api/{version}', async () => {
    const spec = await loadSpecObject(shopBase);
    expect(spec.servers.map((s) => s.url)).toEqual([
      'https://shop.example.com/api/v1', 'https://shop.example.com/api/v0', 'https://www.example.com/api/v1', 'https://www.example.com/api/v0',
    ]);
    const got = summarize(diffAgainstSpec(session.endpoints(), spec));
    expect(got).toEqual(expected(SHOP, ops(shopBase, '/api/v1')));
    expect(got.shadow).toEqual(['GET /api/v1/internal/debug', 'GET /api/v1/users/{userId}/orders']);
    expect(got.zombie).toEqual(['GET /api/v1/orders']);
    expect(got.documented).toBe(17);
    expect(got.orphan).toEqual(['DELETE /api/v1/users/{}', 'GET /api/v1/coupons/{}', 'POST /api/v1/logout']);
    expect(got.uncovered.length).toBe(10);
  });

  it('Path Item servers override the root: both hosts covered, the sets of the original two-server spec', async () => {
    const spec = await loadSpecObject(perPath);
    const got = summarize(diffAgainstSpec(session.endpoints(), spec));
    const base = summarize(diffAgainstSpec(session.endpoints(), await loadSpecObject(original)));
    expect(got).toEqual(base);
    expect(got.shadow).toEqual(['DELETE /v2/admin/cache', 'GET /api/v1/internal/debug', 'GET /api/v1/users/{userId}/orders']);
    expect(got.uncovered).toEqual([]);
    // A records path at shop.example.com is not documented: /v2/docs/faq there would be shadow.
    const faq = diffAgainstSpec([{ key: 'k', host: SHOP, method: 'GET', pathTemplate: '/v2/docs/faq' }], spec);
    expect([faq.shadow.length, faq.zombie.length]).toEqual([1, 0]);
  });

  it('an explicit port that the traffic does not use covers nothing', async () => {
    const spec = await loadSpecObject({ ...original, servers: [{ url: 'http://shop.example.com:8080' }, { url: 'http://records.example.com:8080' }] });
    const d = diffAgainstSpec(session.endpoints(), spec);
    expect([d.documented.length, d.shadow.length, d.zombie.length, d.uncovered.length, d.orphan.length]).toEqual([0, 0, 0, 30, 32]);
  });

  it('a spec without servers covers every host, as before', async () => {
    const { servers: _drop, ...noServers } = original;
    const spec = await loadSpecObject(noServers);
    expect(spec.hostScoped).toBe(false);
    const d = diffAgainstSpec(session.endpoints(), spec);
    expect([d.documented.length, d.shadow.length, d.zombie.length, d.uncovered.length]).toEqual([25, 3, 2, 0]);
  });
});

async function shadowFindings(spec: LoadedSpec): Promise<Finding[]> {
  const builder = new DetectionInputBuilder({ resolver: new PrincipalResolver({ salt: 's' }), classifier: new DataClassifier({ salt: 's' }) });
  // The inventory's templater, trained on the whole capture: templates equal the routes.
  const engine = new DetectionEngine({ detectors: [new ShadowApiDetector({ spec })], templater: session.inventory.templater });
  for (const r of records) engine.observe(builder.build(r));
  return engine.finish();
}

describe('shadow_api findings name only the covered host', () => {
  it('spec for shop.example.com (base path, variables): two findings, both on shop.example.com', async () => {
    const findings = await shadowFindings(await loadSpecObject(shopBase));
    const got = findings.map((f) => `${f.endpoint!.host} ${f.endpoint!.method} ${f.endpoint!.pathTemplate} ${f.counts['calls']}`).sort();
    // Calls and statuses from the access log: shadow routes of shop with status < 400.
    const want = ['/api/v1/internal/debug', '/api/v1/users/{userId}/orders'].map((route) =>
      `${SHOP} GET ${route} ${log.filter((l) => l.host === SHOP && l.route === route && l.status < 400).length}`).sort();
    expect(got).toEqual(want);
    expect(got).toEqual([`${SHOP} GET /api/v1/internal/debug 1`, `${SHOP} GET /api/v1/users/{userId}/orders 2`]);
  });

  it('the same paths without servers: every records.example.com endpoint is reported too (the behaviour for unscoped specs)', async () => {
    const { servers: _drop, ...unscoped } = shopBase;
    const findings = await shadowFindings(await loadSpecObject(unscoped));
    // Without servers the paths are at `/`, so no route of either host matches: all 30 that answered < 400.
    const answered = new Set(log.filter((l) => l.status < 400).map((l) => `${l.host} ${l.method} ${erase(l.route)}`));
    expect(findings.map((f) => `${f.endpoint!.host} ${f.endpoint!.method} ${erase(f.endpoint!.pathTemplate)}`).sort()).toEqual([...answered].sort());
    expect(findings.filter((f) => f.endpoint!.host === RECORDS).length).toBe(10);
  });
});

async function cli(...args: string[]): Promise<string> {
  const r = await runInventory(...args);
  expect(r.code).toBe(0);
  return r.out;
}

describe('inventory diff and the run summary list uncovered hosts', () => {
  it('diff --json and text', async () => {
    const file = join(tmp, 'shop.json');
    writeFileSync(file, JSON.stringify(shopOnly));
    const j = JSON.parse(await cli('diff', '--db', db, '--spec', file, '--json')) as Record<string, unknown[]> & { uncoveredHosts: string[] };
    expect(j.uncoveredHosts).toEqual([RECORDS]);
    expect((j.uncovered as { host: string }[]).length).toBe(10);
    expect([j.shadow!.length, j.zombie!.length, j.documented!.length, j.orphan!.length]).toEqual([2, 1, 17, 14]);
    const text = await cli('diff', '--db', db, '--spec', file);
    expect(text).toContain("uncovered: host outside the spec's servers (1 host(s): records.example.com) (10)");
    expect(text).toContain('shadow: seen, not documented (2)');
    expect(text).toContain('  DELETE records.example.com/v2/admin/cache  calls 1');
    const list = await cli('list', '--db', db, '--spec', file);
    expect(list.trimEnd().split('\n').at(-1)).toBe("30 endpoint(s), 149 call(s); spec: 17 documented, 2 shadow, 1 zombie, 14 orphan, 10 uncovered (host outside the spec's servers)");
  });

  it('run summary counts uncovered endpoints and names their hosts', async () => {
    const file = join(tmp, 'shop.yaml');
    writeFileSync(file, JSON.stringify(shopBase));
    const s = await InventorySession.open({ db: ':memory:', salt: '00', spec: file });
    for (const r of records) s.record(r);
    const sum = s.finish();
    s.close();
    expect(sum.spec).toMatchObject({ operations: 21, documented: 17, shadow: 2, zombie: 1, orphan: 3, uncovered: 10, uncoveredHosts: [RECORDS], warnings: [] });
    expect(formatRunSummary(sum).split('\n')[1]).toBe(
      `spec ${file} (OpenAPI 3.0.3, 21 operations): 17 documented, 2 shadow, 1 zombie, 3 orphan, 10 uncovered (1 host(s) outside the spec's servers: records.example.com)`,
    );
  });
});

// pcaps/own/api-keepalive.pcap (the `npm start` demo): the same node server
// answers as api.example.com and shop.example.com. Oracle: `tshark -r
// api-keepalive.pcap -Y http.request -T fields -e http.host -e
// http.request.method -e http.request.uri` and the statuses of
// api-keepalive.expected.jsonl (from the server's access log).
describe('api-keepalive.pcap: a spec for api.example.com/api/v1', () => {
  it('findings and the diff stay on api.example.com; shop.example.com is uncovered', async () => {
    const spec = await loadSpecObject({
      openapi: '3.1.0', info: { title: 'api', version: '1' },
      servers: [{ url: 'https://api.example.com/api/v1' }],
      paths: {
        '/users': { get: { responses: { 200: { description: 'ok' } } } },
        '/users/{id}': { get: { responses: { 200: { description: 'ok' } } } },
        '/login': { post: { responses: { 200: { description: 'ok' } } } },
        '/me': { get: { responses: { 200: { description: 'ok' } } } },
      },
    });
    const s = await InventorySession.open({ db: ':memory:', salt: '00' });
    const builder = new DetectionInputBuilder({ resolver: new PrincipalResolver({ salt: 's' }), classifier: new DataClassifier({ salt: 's' }) });
    const engine = new DetectionEngine({ detectors: [new ShadowApiDetector({ spec })], templater: s.inventory.templater });
    const res = await replayFiles([fileURLToPath(new URL('../../pcaps/own/api-keepalive.pcap', import.meta.url))], {
      workers: 0, withDetail: true, onTransaction: (r) => {
        s.record(r);
        engine.observe(builder.build(r));
      },
    });
    expect(res.error).toBeUndefined();
    // api.example.com requests answered < 400 that the four operations do not document:
    // GET /orders/1001 (200), GET /orders/export (200), PUT /users/42 (200), DELETE /users/42 (204).
    expect(engine.finish().map((f) => `${f.endpoint!.host} ${f.endpoint!.method} ${erase(f.endpoint!.pathTemplate)}`).sort()).toEqual([
      'api.example.com DELETE /api/v1/users/{}', 'api.example.com GET /api/v1/orders/export',
      'api.example.com GET /api/v1/orders/{}', 'api.example.com PUT /api/v1/users/{}',
    ]);
    const d = diffAgainstSpec(s.endpoints(), spec);
    expect(new Set(d.uncovered.map((e) => e.endpoint.host))).toEqual(new Set(['shop.example.com']));
    expect(d.uncovered.length).toBe(s.endpoints().filter((e) => e.host === 'shop.example.com').length);
    expect([...d.shadow, ...d.documented, ...d.zombie].every((e) => e.endpoint.host === 'api.example.com')).toBe(true);
    expect(d.shadow.map((e) => `${e.endpoint.method} ${erase(e.endpoint.pathTemplate)}`).sort()).toEqual([
      'DELETE /api/v1/users/{}', 'GET /api/v1/nope', 'GET /api/v1/orders/export', 'GET /api/v1/orders/{}', 'PUT /api/v1/users/{}',
    ]);
    expect(d.orphan).toEqual([]);
    s.close();
  });
});
