// `apisensor inventory …` on a database filled from pcaps/inventory/api-20-routes.pcap.
// Expected values: the capture's route table and openapi.yaml (see api-20-routes.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInventory } from './inventory-cli.js';
import { ApisensorError } from '../../src/errors.js';
import { endpointId } from '../../src/inventory/endpoint-lookup.js';
import { InventorySession } from '../../src/inventory/inventory-session.js';
import { replayFiles } from '../../src/replay/replay.js';

const dir = (name: string) => fileURLToPath(new URL(`../../pcaps/inventory/${name}`, import.meta.url));
const spec = dir('openapi.yaml');
let tmp = '';
let db = '';

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'aps-inv-cli-'));
  db = join(tmp, 'inv.db');
  const s = await InventorySession.open({ db, salt: '00' });
  await replayFiles([dir('api-20-routes.pcap')], { workers: 0, withDetail: true, onTransaction: s.record });
  s.finish();
  s.close();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = runInventory;

async function fails(...args: string[]): Promise<[string, number, string]> {
  try {
    await run(...args);
  } catch (err) {
    expect(err).toBeInstanceOf(ApisensorError);
    const e = err as ApisensorError;
    return [e.code, e.exitCode, e.message];
  }
  throw new Error('expected an error');
}

describe('apisensor inventory', () => {
  it('list: a table of the 30 routes; --host; --json', async () => {
    const { code, out } = await run('list', '--db', db);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +HOST +METHOD +TEMPLATE +CALLS +STATUSES +AUTH +DATA$/);
    expect(lines.at(-1)).toBe('30 endpoint(s), 149 call(s)');
    expect(out).toMatch(/records\.example\.com +GET +\/files\/\{fileName\}\.pdf +14 +200:14 +key\(\?api_key\) +-/);
    const shop = await run('list', '--db', db, '--host', 'SHOP.example.com');
    expect(shop.out.trimEnd().split('\n').at(-1)).toBe('20 endpoint(s), 109 call(s)'); // 109 shop.example.com lines in the access log
    const json = JSON.parse((await run('list', '--db', db, '--json')).out) as { endpoints: { id: string; key: string; calls: number }[] };
    expect(json.endpoints.length).toBe(30);
    expect(json.endpoints.every((e) => e.id === endpointId(e.key))).toBe(true);
  });

  it('list --spec marks shadow and zombie endpoints and lists orphans', async () => {
    const { out } = await run('list', '--db', db, '--spec', spec);
    expect(out).toMatch(/GET +\/api\/v1\/internal\/debug .* shadow$/m);
    expect(out).toMatch(/GET +\/v2\/docs\/faq .* zombie$/m);
    expect(out).toContain('  POST /api/v1/logout');
    expect(out.trimEnd().split('\n').at(-1)).toBe('30 endpoint(s), 149 call(s); spec: 25 documented, 3 shadow, 2 zombie, 5 orphan');
  });

  it('show: by METHOD host/path, by id, --json; clear errors', async () => {
    const a = await run('show', 'GET', 'records.example.com/v2/patients/77', '--db', db);
    expect(a.out.split('\n')[0]).toBe('GET records.example.com/v2/patients/{patientId}');
    expect(a.out).toContain('pii us_ssn at response.body.ssn: 5 (e.g. ***-**-****)');
    expect(a.out).not.toContain('536-22-8745');
    const id = endpointId('|records.example.com GET /v2/patients/{patientId}');
    expect((await run('show', id, '--db', db)).out).toBe(a.out);
    const j = JSON.parse((await run('show', id, '--db', db, '--json')).out) as { id: string; calls: number; pathTemplate: string };
    expect([j.id, j.calls, j.pathTemplate]).toEqual([id, 5, '/v2/patients/{patientId}']);
    expect(await fails('show', 'GET records.example.com/nothing/here', '--db', db)).toEqual([
      'ERR_ENDPOINT_NOT_FOUND', 2, `no endpoint matches 'GET records.example.com/nothing/here' in ${db} (see 'apisensor inventory list')`,
    ]);
    expect((await fails('show', '--db', db))[0]).toBe('ERR_USAGE');
  });

  it('openapi: YAML and JSON that the validator accepts; --host', async () => {
    // Two hosts: one document each (30 routes on 28 paths: 18 of shop.example.com, 10 of records.example.com).
    expect(await fails('openapi', '--db', db)).toEqual([
      'ERR_OPENAPI_HOST_REQUIRED', 2,
      'the inventory holds 2 APIs and an OpenAPI document describes one: choose one with --host H; APIs: records.example.com, shop.example.com',
    ]);
    const yaml = parseYaml((await run('openapi', '--db', db, '--host', 'shop.example.com')).out) as Record<string, unknown>;
    expect((await new Validator().validate(yaml)).valid).toBe(true);
    expect(Object.keys(yaml.paths as object).length).toBe(18);
    const json = JSON.parse((await run('openapi', '--db', db, '--host', 'records.example.com', '--format', 'json')).out) as Record<string, unknown>;
    expect((await new Validator().validate(json)).valid).toBe(true);
    expect(json.servers).toEqual([{ url: 'http://records.example.com' }]);
    expect(Object.keys(json.paths as object).length).toBe(10);
  });

  it('diff: the three sets against openapi.yaml', async () => {
    const d = JSON.parse((await run('diff', '--spec', spec, '--db', db, '--json')).out) as Record<string, { method: string; pathTemplate?: string; path?: string }[]>;
    expect(d.shadow!.map((e) => `${e.method} ${e.pathTemplate}`)).toEqual(['DELETE /v2/admin/cache', 'GET /api/v1/internal/debug', 'GET /api/v1/users/{userId}/orders']);
    expect(d.zombie!.map((e) => `${e.method} ${e.pathTemplate}`)).toEqual(['GET /v2/docs/faq', 'GET /api/v1/orders']);
    expect(d.orphan!.length).toBe(5);
    const text = (await run('diff', '--spec', spec, '--db', db)).out;
    expect(text).toContain('shadow: seen, not documented (3)');
    expect(text).toContain('orphan: documented, never seen (5)');
  });

  it('usage errors and store errors exit 2', async () => {
    expect((await fails())[0]).toBe('ERR_USAGE');
    expect((await fails('frobnicate'))[0]).toBe('ERR_USAGE');
    expect((await fails('list', '--bogus'))[0]).toBe('ERR_USAGE');
    expect((await fails('list', '--format', 'json', '--db', db))[0]).toBe('ERR_USAGE');
    expect((await fails('openapi', '--format', 'xml', '--db', db))[0]).toBe('ERR_USAGE');
    expect((await fails('diff', '--db', db))[0]).toBe('ERR_USAGE');
    expect(await fails('list', '--db', join(tmp, 'absent.db'))).toEqual(['ERR_STORE_MISSING', 2, expect.any(String)]);
    expect((await fails('diff', '--spec', join(tmp, 'none.yaml'), '--db', db)).slice(0, 2)).toEqual(['ERR_SPEC_READ', 2]);
    expect((await run('--help')).out).toContain('usage: apisensor inventory');
  });
});
