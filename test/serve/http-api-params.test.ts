/**
 * `/v1/findings?minSeverity=` (the documented name; `severity` is its alias)
 * and the refusal of query parameters a `/v1/` route does not take (400
 * ERR_BAD_PARAM) — a misspelt filter used to widen the answer silently.
 * Also the help of `apisensor_findings_total`, which counts emissions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointInventory } from '../../src/inventory/endpoint-inventory.js';
import { startService, type Service } from '../../src/serve/service.js';
import { TokenStore } from '../../src/serve/token-store.js';
import type { Severity } from '../../src/findings/finding.js';
import { TOKEN, makeFinding } from './serve-helpers.js';

let svc: Service;
const auth = { Authorization: `Bearer ${TOKEN}` };
/** seq 1..5, one of each severity, lowest first. */
const SEVERITIES: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

beforeAll(async () => {
  svc = await startService({
    listen: '127.0.0.1:0',
    tokens: new TokenStore([{ token: TOKEN }]),
    inventory: new EndpointInventory({ salt: '00'.repeat(16) }),
  });
  SEVERITIES.forEach((severity, i) => svc.bus.publish(makeFinding(i + 1, { severity })));
  // A second revision of the episode of seq 5: one more emission.
  svc.bus.publish(makeFinding(6, { id: 'F-5', revision: 2, severity: 'critical' }));
});
afterAll(async () => {
  await svc.close();
});

async function get(path: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`${svc.url}${path}`, { headers: auth });
  return { status: r.status, body: r.headers.get('content-type')?.startsWith('application/json') ? await r.json() : await r.text() };
}

const seqs = (body: { findings: { seq: number }[] }): number[] => body.findings.map((f) => f.seq);

describe('/v1/findings severity filter', () => {
  it('minSeverity returns that severity and the ones above it', async () => {
    expect(seqs((await get('/v1/findings?minSeverity=high')).body)).toEqual([4, 5, 6]);
    expect(seqs((await get('/v1/findings?minSeverity=low')).body)).toEqual([2, 3, 4, 5, 6]);
    expect(seqs((await get('/v1/findings?minSeverity=info')).body)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('severity is an alias of minSeverity', async () => {
    expect(seqs((await get('/v1/findings?severity=medium')).body)).toEqual([3, 4, 5, 6]);
  });

  it('a bad minSeverity is ERR_BAD_FILTER', async () => {
    expect(await get('/v1/findings?minSeverity=urgent')).toMatchObject({ status: 400, body: { error: { code: 'ERR_BAD_FILTER' } } });
  });
});

describe('unknown query parameters', () => {
  it('are refused on /v1/findings with 400 ERR_BAD_PARAM naming the parameter', async () => {
    expect(await get('/v1/findings?minseverity=high')).toEqual({
      status: 400,
      body: { error: { code: 'ERR_BAD_PARAM', message: "unknown query parameter 'minseverity' (takes: since, limit, type, minSeverity, severity)" } },
    });
  });

  it('are refused on the other /v1/ routes', async () => {
    expect(await get('/v1/inventory?hots=a')).toMatchObject({ status: 400, body: { error: { code: 'ERR_BAD_PARAM', message: "unknown query parameter 'hots' (takes: host)" } } });
    expect(await get('/v1/stats?x=1')).toMatchObject({ status: 400, body: { error: { code: 'ERR_BAD_PARAM', message: "unknown query parameter 'x' (takes none)" } } });
    expect(await get('/v1/openapi?fromat=yaml')).toMatchObject({ status: 400, body: { error: { code: 'ERR_BAD_PARAM' } } });
  });

  it('the known ones still work', async () => {
    expect((await get('/v1/inventory?host=api.example.com')).status).toBe(200);
    expect((await get('/v1/stats')).status).toBe(200);
    expect(seqs((await get('/v1/findings?since=1&limit=2&type=brute_force&minSeverity=info')).body)).toEqual([2, 3]);
  });
});

describe('apisensor_findings_total', () => {
  it('counts emissions (every revision), and its help says so', async () => {
    const r = await fetch(`${svc.url}/metrics`, { headers: auth });
    const text = await r.text();
    expect(text).toMatch(/^# HELP apisensor_findings_total Finding emissions published \(each revision of an episode counts once\), by type and severity\.$/m);
    expect(text).toMatch(/^apisensor_findings_total\{type="brute_force",severity="critical"\} 2$/m);
  });
});
