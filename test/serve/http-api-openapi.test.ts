// `/v1/openapi` on an inventory with several hosts (and with one host in two
// VXLAN tenants): one document per API, 400 ERR_HOST_REQUIRED without a
// choice, 404 for an unknown host, both listing the hosts. Inventory: the
// `npm start` captures and pcaps/attacks/tenants-hydra-stuffing.pcap; oracle:
// the requests tshark dissects in them (test/inventory/http-request-oracle.ts).
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventorySession } from '../../src/inventory/inventory-session.js';
import { replayFiles } from '../../src/replay/replay.js';
import { startService, type Service } from '../../src/serve/service.js';
import { TokenStore } from '../../src/serve/token-store.js';
import { tsharkAvailable } from '../decode/tshark-oracle.js';
import { documentCalls, oracleCalls, PER_SEGMENT_PREFS, tsharkRequests } from '../inventory/http-request-oracle.js';
import { TOKEN } from './serve-helpers.js';

const pcap = (p: string) => fileURLToPath(new URL(`../../pcaps/${p}`, import.meta.url));
const START = [pcap('own/api-keepalive.pcap'), pcap('attacks/idwalk-bola.pcap'), pcap('attacks/hydra-stuffing.pcap')];
const TENANTS = pcap('attacks/tenants-hydra-stuffing.pcap');
const auth = { Authorization: `Bearer ${TOKEN}` };

type Doc = { servers: { url: string; description?: string }[]; paths: Record<string, Record<string, unknown>> };

const sessions: InventorySession[] = [];
let svc: Service;
let tenantSvc: Service;

async function serve(files: string[]): Promise<Service> {
  const s = await InventorySession.open({ db: ':memory:', salt: '00' });
  sessions.push(s);
  await replayFiles(files, { workers: 0, withDetail: true, onTransaction: s.record });
  s.finish();
  return startService({ listen: '127.0.0.1:0', tokens: new TokenStore([{ token: TOKEN }]), inventory: s.inventory });
}

async function get(s: Service, path: string): Promise<{ status: number; body: any; type: string | null }> {
  const r = await fetch(`${s.url}${path}`, { headers: auth });
  const type = r.headers.get('content-type');
  const text = await r.text();
  return { status: r.status, type, body: type?.startsWith('application/json') ? JSON.parse(text) : text };
}

beforeAll(async () => {
  svc = await serve(START);
  tenantSvc = await serve([TENANTS]);
});
afterAll(async () => {
  await svc?.close();
  await tenantSvc?.close();
  for (const s of sessions) s.close();
});

describe.skipIf(!tsharkAvailable())('/v1/openapi with several hosts', () => {
  it('host=H: each host\'s document has exactly that host\'s operations and the oracle call counts', async () => {
    const requests = tsharkRequests(START);
    const hosts = [...new Set(requests.map((r) => r.host))].sort();
    for (const host of hosts) {
      const r = await get(svc, `/v1/openapi?host=${encodeURIComponent(host)}`);
      expect(r.status).toBe(200);
      const doc = r.body as Doc;
      const v = new Validator();
      expect((await v.validate(doc)).errors ?? []).toEqual([]);
      expect(v.version).toBe('3.1');
      expect(doc.servers).toEqual([{ url: `http://${host}` }]);
      const expected = oracleCalls(doc, requests.filter((q) => q.host === host));
      expect(expected.get(null)).toBeUndefined();
      expect(documentCalls(doc)).toEqual(expected);
    }
    const yaml = await get(svc, '/v1/openapi?host=api.example.com&format=yaml');
    expect(yaml.type).toBe('application/yaml; charset=utf-8');
    expect(parseYaml(yaml.body)).toEqual((await get(svc, '/v1/openapi?host=api.example.com')).body);
  });

  it('no host: 400 ERR_HOST_REQUIRED with the hosts; unknown host: 404 with the hosts', async () => {
    const hosts = [...new Set(tsharkRequests(START).map((r) => r.host))].sort();
    const none = await get(svc, '/v1/openapi');
    expect(none.status).toBe(400);
    expect(none.body).toEqual({
      error: {
        code: 'ERR_HOST_REQUIRED',
        message: `the inventory holds 3 APIs and an OpenAPI document describes one: choose one with host=H; APIs: ${hosts.join(', ')}`,
        hosts,
        apis: hosts.map((host) => ({ host, tenant: '' })),
      },
    });
    const unknown = await get(svc, '/v1/openapi?host=nosuch.example&format=yaml');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'ERR_NOT_FOUND', hosts });
  });

  it('one host in two tenants: tenant=T selects one; without it 400 asks for tenant=', async () => {
    const requests = tsharkRequests([TENANTS], PER_SEGMENT_PREFS);
    const none = await get(tenantSvc, '/v1/openapi?host=10.78.0.1');
    expect(none.status).toBe(400);
    expect(none.body.error).toMatchObject({
      code: 'ERR_HOST_REQUIRED',
      hosts: ['10.78.0.1'],
      apis: [{ host: '10.78.0.1', tenant: 'vxlan:101' }, { host: '10.78.0.1', tenant: 'vxlan:202' }],
    });
    expect(none.body.error.message).toContain('choose one with tenant=T');
    for (const tenant of ['vxlan:101', 'vxlan:202']) {
      const r = await get(tenantSvc, `/v1/openapi?host=10.78.0.1&tenant=${encodeURIComponent(tenant)}`);
      expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
      const doc = r.body as Doc;
      expect(doc.servers).toEqual([{ url: 'http://10.78.0.1', description: `tenant ${tenant}` }]);
      expect(documentCalls(doc)).toEqual(oracleCalls(doc, requests.filter((q) => q.tenant === tenant)));
    }
    expect((await get(tenantSvc, '/v1/openapi?tenant=vxlan:303')).status).toBe(404);
  });
});
