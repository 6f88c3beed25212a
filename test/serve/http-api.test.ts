import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointInventory } from '../../src/inventory/endpoint-inventory.js';
import { loadSpecObject } from '../../src/inventory/spec-diff.js';
import { startService, type Service } from '../../src/serve/service.js';
import { TokenStore } from '../../src/serve/token-store.js';
import { tx } from '../inventory/tx-fixture.js';
import { TOKEN, makeFinding } from './serve-helpers.js';

let svc: Service;
let bare: Service;
const auth = { Authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  const inventory = new EndpointInventory({ salt: '00'.repeat(16) });
  inventory.record(tx({ uri: '/users/me', resBody: { email: 'alice@example.com' } }));
  inventory.record(tx({ method: 'POST', uri: '/admin/export' }));
  const spec = await loadSpecObject({
    openapi: '3.1.0', info: { title: 't', version: '1' },
    paths: { '/users/me': { get: { responses: { 200: { description: 'ok' } } } } },
  });
  const tokens = new TokenStore([{ token: TOKEN }]);
  svc = await startService({ listen: '127.0.0.1:0', tokens, inventory, spec });
  bare = await startService({ listen: '127.0.0.1:0', tokens });
  for (let i = 1; i <= 5; i++) svc.bus.publish(makeFinding(i, { severity: i % 2 ? 'high' : 'low', type: i === 5 ? 'scanning' : 'brute_force' }));
});
afterAll(async () => {
  await svc.close();
  await bare.close();
});

async function get(path: string, headers: Record<string, string> = auth, s = svc): Promise<{ status: number; body: any; type: string | null }> {
  const r = await fetch(`${s.url}${path}`, { headers });
  const type = r.headers.get('content-type');
  const text = await r.text();
  return { status: r.status, type, body: type?.startsWith('application/json') ? JSON.parse(text) : text };
}

describe('HTTP API', () => {
  it('health is open, readiness follows setReady, the dashboard is served at /', async () => {
    expect(await get('/healthz', {})).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await get('/readyz', {})).toMatchObject({ status: 503, body: { error: { code: 'ERR_NOT_READY' } } });
    svc.setReady(true);
    expect(await get('/readyz', {})).toMatchObject({ status: 200, body: { status: 'ready' } });
    const page = await get('/', {});
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<title>apisensor</title>');
  });

  it('refuses without a token, with stable error codes', async () => {
    expect(await get('/v1/findings', {})).toMatchObject({ status: 401, body: { error: { code: 'ERR_AUTH_MISSING' } } });
    expect(await get('/metrics', { Authorization: 'Bearer not-a-valid-token-000' })).toMatchObject({ status: 401, body: { error: { code: 'ERR_AUTH_INVALID' } } });
    // Another scheme is not a bearer token.
    expect(await get('/v1/inventory', { Authorization: 'Basic YTpi' })).toMatchObject({ status: 401, body: { error: { code: 'ERR_AUTH_MISSING' } } });
    expect(await get('/nope')).toMatchObject({ status: 404, body: { error: { code: 'ERR_NOT_FOUND' } } });
    expect(await get('/v1/stream')).toMatchObject({ status: 426, body: { error: { code: 'ERR_UPGRADE_REQUIRED' } } });
    const post = await fetch(`${svc.url}/v1/findings`, { method: 'POST', headers: auth });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.json()).toEqual({ error: { code: 'ERR_METHOD_NOT_ALLOWED', message: 'POST is not allowed' } });
  });

  it('/v1/findings pages by since and filters by type and minimum severity', async () => {
    const all = await get('/v1/findings');
    expect(all.status).toBe(200);
    expect(all.body.findings.map((f: { seq: number }) => f.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all.body).toMatchObject({ gap: null, lastSeq: 5, nextSince: 5 });
    expect(all.body.findings[0]).toEqual(makeFinding(1, { severity: 'high', type: 'brute_force' }));
    const page = await get('/v1/findings?since=1&limit=2');
    expect(page.body.findings.map((f: { seq: number }) => f.seq)).toEqual([2, 3]);
    expect(page.body.nextSince).toBe(3);
    const filtered = await get('/v1/findings?type=brute_force&severity=high');
    expect(filtered.body.findings.map((f: { seq: number }) => f.seq)).toEqual([1, 3]);
    expect(await get('/v1/findings?severity=urgent')).toMatchObject({ status: 400, body: { error: { code: 'ERR_BAD_FILTER' } } });
    expect(await get('/v1/findings?since=abc')).toMatchObject({ status: 400, body: { error: { code: 'ERR_BAD_PARAM' } } });
  });

  it('/v1/inventory lists endpoints with ids, data classes and shadow status; /v1/endpoints/{id} details one', async () => {
    const inv = await get('/v1/inventory');
    expect(inv.status).toBe(200);
    const eps = inv.body.endpoints as { id: string; key: string; specStatus: string; dataClasses: { kind: string; category: string }[] }[];
    expect(eps.map((e) => e.key)).toEqual(['|api.example.com GET /users/me', '|api.example.com POST /admin/export']);
    // Same id as `apisensor inventory list` prints: first 10 hex digits of SHA-256 over the endpoint key.
    const id = createHash('sha256').update('|api.example.com GET /users/me').digest('hex').slice(0, 10);
    expect(eps[0]!.id).toBe(id);
    expect(eps.map((e) => e.specStatus)).toEqual(['documented', 'shadow']);
    expect(eps[0]!.dataClasses.map((d) => [d.kind, d.category])).toEqual([['email', 'pii']]);
    const one = await get(`/v1/endpoints/${id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id, key: '|api.example.com GET /users/me', method: 'GET', pathTemplate: '/users/me', calls: 1, specStatus: 'documented' });
    expect(await get('/v1/endpoints/0123456789')).toMatchObject({ status: 404, body: { error: { code: 'ERR_NOT_FOUND' } } });
  });

  it('/v1/openapi exports the inventory of a host; 501 without an inventory', async () => {
    const doc = await get('/v1/openapi?host=api.example.com');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths).sort()).toEqual(['/admin/export', '/users/me']);
    const yaml = await get('/v1/openapi?host=api.example.com&format=yaml');
    expect(yaml.type).toBe('application/yaml; charset=utf-8');
    expect(yaml.body).toMatch(/^openapi: 3\.1\.0$/m);
    expect(await get('/v1/openapi?host=other.example.com')).toMatchObject({ status: 404, body: { error: { code: 'ERR_NOT_FOUND' } } });
    expect(await get('/v1/inventory', auth, bare)).toMatchObject({ status: 501, body: { error: { code: 'ERR_INVENTORY_UNAVAILABLE' } } });
    expect(await get('/v1/openapi?host=x', auth, bare)).toMatchObject({ status: 501, body: { error: { code: 'ERR_INVENTORY_UNAVAILABLE' } } });
  });

  it('/metrics is valid Prometheus text with the pipeline and findings counters', async () => {
    svc.metrics.setTotals({ packets: 1234, transactions: 10 });
    svc.metrics.setTotals({ packets: 2000, transactions: 9 });
    svc.metrics.workerQueueDepth.set({ worker: '0' }, 3);
    svc.metrics.setMemory('reassembly', 1024, 67108864);
    const r = await fetch(`${svc.url}/metrics`, { headers: auth });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await r.text();
    // Text exposition format 0.0.4: comments, or `name{label="value",...} number`.
    const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)( -?\d+)?$/;
    const comment = /^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/;
    const bad = text.split('\n').filter((l) => l !== '' && !sample.test(l) && !comment.test(l));
    expect(bad).toEqual([]);
    const value = (series: string): number | undefined => {
      const line = text.split('\n').find((l) => l.startsWith(series + ' '));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(value('apisensor_packets_total')).toBe(2000);
    expect(value('apisensor_transactions_total')).toBe(10);
    expect(value('apisensor_findings_total{type="brute_force",severity="high"}')).toBe(2);
    expect(value('apisensor_findings_total{type="brute_force",severity="low"}')).toBe(2);
    expect(value('apisensor_findings_total{type="scanning",severity="high"}')).toBe(1);
    expect(value('apisensor_worker_queue_depth{worker="0"}')).toBe(3);
    expect(value('apisensor_memory_cap_bytes{pool="reassembly"}')).toBe(67108864);
    expect(text).toMatch(/^# TYPE apisensor_process_resident_memory_bytes gauge$/m);
  });
});
