// OpenAPI export of an inventory with several hosts (bug: without --host,
// 24 endpoints of 3 hosts became 14 operations in 10 path items, operations
// of api.example.com filed under `servers: http://10.78.0.1`, and
// api.example.com's GET /api/v1/users was dropped).
//
// Inventory: the `npm start` captures replayed as one capture, and the two
// VXLAN tenants of pcaps/attacks/tenants-hydra-stuffing.pcap. Oracle: the
// HTTP requests tshark dissects in the same files (http-request-oracle.ts):
// each host's document must hold exactly the operations that host's requests
// fall on, with `x-apisensor.calls` equal to the number of those requests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInventory } from './inventory-cli.js';
import { ApisensorError } from '../../src/errors.js';
import { InventorySession } from '../../src/inventory/inventory-session.js';
import { toOpenApi } from '../../src/inventory/openapi-export.js';
import { OpenApiScopeError, selectOpenApiScope } from '../../src/inventory/openapi-scope.js';
import { replayFiles } from '../../src/replay/replay.js';
import { tsharkAvailable } from '../decode/tshark-oracle.js';
import { documentCalls, oracleCalls, PER_SEGMENT_PREFS, tsharkRequests } from './http-request-oracle.js';

const pcap = (p: string) => fileURLToPath(new URL(`../../pcaps/${p}`, import.meta.url));
const START = [pcap('own/api-keepalive.pcap'), pcap('attacks/idwalk-bola.pcap'), pcap('attacks/hydra-stuffing.pcap')];
const TENANTS = pcap('attacks/tenants-hydra-stuffing.pcap');

type Doc = { servers: { url: string; description?: string }[]; paths: Record<string, Record<string, unknown>> };

let tmp = '';
let db = '';
let tenantDb = '';

async function learn(files: string[], file: string): Promise<void> {
  const s = await InventorySession.open({ db: file, salt: '00' });
  await replayFiles(files, { workers: 0, withDetail: true, onTransaction: s.record });
  s.finish();
  s.close();
}

async function endpointsOf(file: string) {
  const s = await InventorySession.open({ db: file, create: false });
  try {
    return s.endpoints();
  } finally {
    s.close();
  }
}

async function valid(doc: unknown): Promise<void> {
  const v = new Validator();
  const res = await v.validate(doc as object);
  expect(res.errors ?? []).toEqual([]);
  expect(v.version).toBe('3.1');
}

async function run(...args: string[]): Promise<string> {
  const r = await runInventory(...args);
  expect(r.code).toBe(0);
  return r.out;
}

async function fails(...args: string[]): Promise<ApisensorError> {
  try {
    await run(...args);
  } catch (err) {
    expect(err).toBeInstanceOf(ApisensorError);
    return err as ApisensorError;
  }
  throw new Error('expected an error');
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'aps-openapi-hosts-'));
  db = join(tmp, 'start.db');
  tenantDb = join(tmp, 'tenants.db');
  await learn(START, db);
  await learn([TENANTS], tenantDb);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!tsharkAvailable())('OpenAPI export, one document per host', () => {
  it('each host of the npm start captures gets exactly its own operations, with the oracle call counts', async () => {
    const requests = tsharkRequests(START);
    const hosts = [...new Set(requests.map((r) => r.host))].sort();
    expect(hosts).toEqual(['10.78.0.1', 'api.example.com', 'shop.example.com']);
    const endpoints = await endpointsOf(db);
    let operations = 0;
    for (const host of hosts) {
      const doc = toOpenApi(endpoints, { host }) as Doc;
      await valid(doc);
      expect(doc.servers).toEqual([{ url: `http://${host}` }]);
      for (const item of Object.values(doc.paths)) expect(item.servers).toBeUndefined();
      const mine = requests.filter((r) => r.host === host);
      const expected = oracleCalls(doc, mine);
      expect(expected.get(null), `${host}: requests on no operation`).toBeUndefined();
      expect(documentCalls(doc)).toEqual(expected);
      operations += documentCalls(doc).size;
    }
    // Nothing dropped: every endpoint of the inventory is an operation of its host's document.
    expect(operations).toBe(endpoints.length);
  });

  it('the operations the bug misfiled or dropped are in api.example.com\'s document', async () => {
    const doc = toOpenApi(await endpointsOf(db), { host: 'api.example.com' }) as Doc;
    // tshark: api.example.com GET /api/v1/users (2 requests); GET, PUT, DELETE /api/v1/users/{digits}.
    expect(Object.keys(doc.paths['/api/v1/users']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/v1/users/{userId}']!).sort()).toEqual(['delete', 'get', 'put']);
  });

  it('the CLI refuses several hosts and unknown hosts with exit 2, listing the hosts', async () => {
    const several = await fails('openapi', '--db', db);
    expect([several.code, several.exitCode]).toEqual(['ERR_OPENAPI_HOST_REQUIRED', 2]);
    expect(several.message).toBe('the inventory holds 3 APIs and an OpenAPI document describes one: choose one with --host H; APIs: 10.78.0.1, api.example.com, shop.example.com');
    expect(several.message).not.toContain('\n');
    const unknown = await fails('openapi', '--db', db, '--host', 'nosuch.example');
    expect([unknown.code, unknown.exitCode]).toEqual(['ERR_OPENAPI_UNKNOWN_HOST', 2]);
    expect(unknown.message).toBe('no endpoint of host nosuch.example in the inventory; it holds 3 API(s): 10.78.0.1, api.example.com, shop.example.com');
    expect((unknown as OpenApiScopeError).hosts).toEqual(['10.78.0.1', 'api.example.com', 'shop.example.com']);
    // --host is matched as stored (lower case), as in `inventory list`.
    const json = JSON.parse(await run('openapi', '--db', db, '--host', 'API.example.com', '--format', 'json')) as Doc;
    expect(json).toEqual(JSON.parse(JSON.stringify(toOpenApi(await endpointsOf(db), { host: 'api.example.com' }))));
  });

  it('one host in two VXLAN tenants: one document per tenant, each with its tenant\'s requests', async () => {
    const requests = tsharkRequests([TENANTS], PER_SEGMENT_PREFS);
    // Each tenant carries the 62 requests tshark dissects in the plain hydra-stuffing.pcap.
    expect(requests.length).toBe(2 * tsharkRequests([pcap('attacks/hydra-stuffing.pcap')]).length);
    const tenants = [...new Set(requests.map((r) => r.tenant))].sort();
    expect(tenants).toEqual(['vxlan:101', 'vxlan:202']);
    expect([...new Set(requests.map((r) => r.host))]).toEqual(['10.78.0.1']);
    const endpoints = await endpointsOf(tenantDb);
    for (const tenant of tenants) {
      const doc = toOpenApi(endpoints, { tenant }) as Doc;
      await valid(doc);
      expect(doc.servers).toEqual([{ url: 'http://10.78.0.1', description: `tenant ${tenant}` }]);
      const expected = oracleCalls(doc, requests.filter((r) => r.tenant === tenant));
      expect(expected.get(null)).toBeUndefined();
      expect(documentCalls(doc)).toEqual(expected);
    }
    const e = await fails('openapi', '--db', tenantDb, '--host', '10.78.0.1');
    expect([e.code, e.exitCode]).toEqual(['ERR_OPENAPI_HOST_REQUIRED', 2]);
    expect(e.message).toBe('host 10.78.0.1 is in 2 tenants and an OpenAPI document describes one: choose one with --tenant T; APIs: 10.78.0.1 (tenant vxlan:101), 10.78.0.1 (tenant vxlan:202)');
    const unknown = await fails('openapi', '--db', tenantDb, '--tenant', 'vxlan:303');
    expect(unknown.code).toBe('ERR_OPENAPI_UNKNOWN_HOST');
    const one = JSON.parse(await run('openapi', '--db', tenantDb, '--tenant', 'vxlan:202', '--format', 'json')) as Doc;
    expect(one.servers).toEqual([{ url: 'http://10.78.0.1', description: 'tenant vxlan:202' }]);
  });

  it('a single-host inventory is exported without --host, as with it (but the title)', async () => {
    const endpoints = (await endpointsOf(db)).filter((e) => e.host === 'shop.example.com');
    const bare = toOpenApi(endpoints) as Doc & { info: unknown };
    const named = toOpenApi(endpoints, { host: 'shop.example.com' }) as Doc & { info: unknown };
    expect({ ...bare, info: null }).toEqual({ ...named, info: null });
    expect(selectOpenApiScope(endpoints).api).toEqual({ host: 'shop.example.com', tenant: '' });
    expect(() => toOpenApi([])).toThrow(expect.objectContaining({ code: 'ERR_OPENAPI_EMPTY' }));
  });
});
