// The realistic capture made for issue 3: pcaps/inventory/api-20-routes.pcap
// (two virtual hosts, 30 routes, curl + python3 + ab; see pcaps/README.md).
// Oracles, all independent of src/inventory:
//  - routes.json: the server's route table, printed by the server itself;
//  - logs/api-20-routes.access.jsonl: for every request, the route template
//    the server's router matched (`route`);
//  - openapi.yaml: the hand-written spec (documents 27 operations of the
//    server's 30 routes, two of them deprecated, plus 5 it never implemented);
//  - @seriousme/openapi-schema-validator for the exported document.
// Templates are compared with parameter names erased (`{userId}` ≡ `{id}`).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { InventorySession } from '../../src/inventory/inventory-session.js';
import { toOpenApi } from '../../src/inventory/openapi-export.js';
import { replayFiles } from '../../src/replay/replay.js';

const dir = (name: string) => fileURLToPath(new URL(`../../pcaps/inventory/${name}`, import.meta.url));
const capture = dir('api-20-routes.pcap');
const specFile = dir('openapi.yaml');
const routes = JSON.parse(readFileSync(dir('routes.json'), 'utf8')) as { host: string; method: string; template: string }[];
const log = readFileSync(dir('logs/api-20-routes.access.jsonl'), 'utf8').trim().split('\n')
  .map((l) => JSON.parse(l) as { host: string; method: string; url: string; route: string | null; clientPort: number });

const erase = (t: string) => t.replace(/\{[^{}/]*\}/g, '{}');
const id = (host: string, method: string, template: string) => `${host} ${method} ${erase(template)}`;

async function learn() {
  const session = await InventorySession.open({ db: ':memory:', salt: '00', spec: specFile });
  const perRequest: string[] = [];
  const res = await replayFiles([capture], {
    workers: 0,
    withDetail: true,
    onTransaction: (r) => {
      session.record(r);
      perRequest.push(`${r.clientPort} ${r.method} ${r.uri}`);
    },
  });
  expect(res.error).toBeUndefined();
  return { session, perRequest };
}

describe('pcaps/inventory/api-20-routes.pcap', () => {
  it('the capture holds what the server logged: 149 requests on 30 routes of 2 hosts', () => {
    expect(routes.length).toBe(30);
    expect(new Set(routes.map((r) => r.host))).toEqual(new Set(['shop.example.com', 'records.example.com']));
    expect(log.length).toBe(149);
    expect(new Set(log.map((l) => `${l.host} ${l.method} ${l.route}`)).size).toBe(30);
    expect(log.every((l) => l.route !== null)).toBe(true);
  });

  it('template precision and recall against the route table', async () => {
    const { session } = await learn();
    const learned = new Set(session.endpoints().map((e) => id(e.host, e.method, e.pathTemplate)));
    const truth = new Set(routes.map((r) => id(r.host, r.method, r.template)));
    const hits = [...learned].filter((k) => truth.has(k)).length;
    const precision = hits / learned.size;
    const recall = hits / truth.size;
    expect(precision).toBeGreaterThanOrEqual(0.98);
    expect(recall).toBeGreaterThanOrEqual(0.98);
    expect({ learned: learned.size, truth: truth.size, hits, precision, recall }).toEqual({ learned: 30, truth: 30, hits: 30, precision: 1, recall: 1 });
    session.close();
  });

  it('every request lands on the route the server matched (access log)', async () => {
    const { session, perRequest } = await learn();
    const eps = session.endpoints();
    const tmpl = session.inventory.templater;
    // Multiset of (client port, method, target) → server route, from the log.
    const want = new Map<string, string[]>();
    for (const l of log) {
      const k = `${l.clientPort} ${l.method} ${l.url}`;
      want.set(k, [...(want.get(k) ?? []), id(l.host, l.method, l.route!)]);
    }
    expect(perRequest.length).toBe(149);
    let agree = 0;
    for (const r of perRequest) {
      const [, method, uri] = r.split(' ') as [string, string, string];
      const routesForKey = want.get(r)!;
      const host = routesForKey[0]!.split(' ')[0]!;
      const got = id(host, method, tmpl.templateFor('', host, method, uri).template);
      expect(eps.some((e) => id(e.host, e.method, e.pathTemplate) === got)).toBe(true);
      if (routesForKey.shift() === got) agree++;
    }
    expect(agree).toBe(149);
    session.close();
  });

  it('parameters are explained: typed kinds, cardinality for plain words, static siblings kept', async () => {
    const { session } = await learn();
    const ep = (host: string, method: string, t: string) => session.endpoints().find((e) => e.host === host && e.method === method && e.pathTemplate === t)!;
    const kinds = (host: string, t: string) => ep(host, 'GET', t).pathParams.map((p) => [p.name, p.reason, Object.keys(p.kinds).join(',')]);
    const S = 'shop.example.com';
    // Segment values as sent by make-capture.sh (curl URLs, records-client.py):
    expect(kinds(S, '/api/v1/users/{userId}')).toEqual([['userId', 'type', 'integer']]);
    expect(kinds(S, '/api/v1/orders/{orderId}')).toEqual([['orderId', 'type', 'uuid']]);
    expect(kinds(S, '/api/v1/products/{productId}')).toEqual([['productId', 'type', 'objectid']]);
    expect(kinds(S, '/api/v1/sessions/{sessionId}')).toEqual([['sessionId', 'type', 'hex']]);
    expect(kinds(S, '/api/v1/invites/{inviteId}')).toEqual([['inviteId', 'type', 'token']]);
    expect(kinds(S, '/api/v1/reports/{reportId}')).toEqual([['reportId', 'type', 'date']]);
    expect(kinds(S, '/api/v1/customers/{customerId}')).toEqual([['customerId', 'type', 'email']]);
    expect(kinds(S, '/api/v1/tickets/{ticketId}')).toEqual([['ticketId', 'type', 'alnum_id']]);
    // 12 distinct category words in 14 calls: a parameter by cardinality.
    const cat = ep(S, 'GET', '/api/v1/categories/{categoryId}').pathParams[0]!;
    expect([cat.reason, cat.distinctValues, ep(S, 'GET', '/api/v1/categories/{categoryId}').calls]).toEqual(['cardinality', 12, 14]);
    // 11 distinct word file names + 2 alnum ids (INV20240001, INV20240002), 14 downloads.
    const pdf = ep('records.example.com', 'GET', '/files/{fileName}.pdf');
    expect([pdf.pathParams[0]!.suffix, pdf.pathParams[0]!.reason, pdf.pathParams[0]!.distinctValues, pdf.calls]).toEqual(['.pdf', 'cardinality', 13, 14]);
    // Static siblings and few plain words stay literal.
    expect(ep(S, 'GET', '/api/v1/users/me').calls).toBe(2);
    expect(ep(S, 'GET', '/api/v1/products/featured').calls).toBe(21);
    expect(['intro', 'setup', 'oauth2', 'faq'].map((p) => ep('records.example.com', 'GET', `/v2/docs/${p}`).calls)).toEqual([4, 3, 2, 3]);
    session.close();
  });

  it('exact shadow, zombie and orphan sets against openapi.yaml', async () => {
    const { session } = await learn();
    const d = session.diff()!;
    const eps = (list: typeof d.shadow) => list.map((e) => `${e.endpoint.method} ${e.endpoint.pathTemplate}`).sort();
    expect(eps(d.shadow)).toEqual(['DELETE /v2/admin/cache', 'GET /api/v1/internal/debug', 'GET /api/v1/users/{userId}/orders']);
    expect(eps(d.zombie)).toEqual(['GET /api/v1/orders', 'GET /v2/docs/faq']);
    expect(d.orphan.map((o) => `${o.method} ${o.path}`).sort()).toEqual([
      'DELETE /api/v1/users/{id}', 'GET /api/v1/coupons/{code}', 'GET /v2/patients', 'PATCH /v2/patients/{patientId}', 'POST /api/v1/logout',
    ]);
    expect(d.documented.length).toBe(25);
    // The same sets by plain comparison of routes.json with the spec's paths (names erased).
    const spec = parseYaml(readFileSync(specFile, 'utf8')) as { paths: Record<string, Record<string, { deprecated?: boolean }>> };
    const ops = Object.entries(spec.paths).flatMap(([p, item]) => Object.entries(item).filter(([m]) => m !== 'parameters')
      .map(([m, op]) => ({ key: `${m.toUpperCase()} ${erase(p)}`, deprecated: op.deprecated === true })));
    const routeKeys = new Set(routes.map((r) => `${r.method} ${erase(r.template)}`));
    expect(routes.filter((r) => !ops.some((o) => o.key === `${r.method} ${erase(r.template)}`)).map((r) => `${r.method} ${r.template}`).sort())
      .toEqual(eps(d.shadow));
    expect(ops.filter((o) => o.deprecated && routeKeys.has(o.key)).length).toBe(d.zombie.length);
    expect(ops.filter((o) => !routeKeys.has(o.key)).length).toBe(d.orphan.length);
    const sum = session.finish();
    expect(sum.spec).toMatchObject({ operations: 32, documented: 25, shadow: 3, zombie: 2, orphan: 5, warnings: [] });
    session.close();
  });

  it('auth and data classes per endpoint (values sent by make-capture.sh and the server)', async () => {
    const { session } = await learn();
    const get = (host: string, method: string, t: string) => session.endpoints().find((e) => e.host === host && e.method === method && e.pathTemplate === t)!;
    const R = 'records.example.com';
    const S = 'shop.example.com';
    expect(Object.keys(get(S, 'GET', '/api/v1/users/{userId}').auth.schemes)).toEqual(['bearer_jwt:header:authorization']);
    expect(get(S, 'GET', '/api/v1/users/{userId}').auth.schemes['bearer_jwt:header:authorization']!.jwtIssuers).toEqual({ 'https://auth.example.com': 3 });
    expect(Object.keys(get(R, 'GET', '/v2/patients/{patientId}').auth.schemes)).toEqual(['session_cookie:cookie:sid']);
    expect(Object.keys(get(R, 'GET', '/v2/accounts/{accountId}/statements').auth.schemes)).toEqual(['api_key:header:x-api-key']);
    expect(Object.keys(get(R, 'GET', '/files/{fileName}.pdf').auth.schemes)).toEqual(['api_key:query:api_key']);
    expect(Object.keys(get(R, 'DELETE', '/v2/admin/cache').auth.schemes)).toEqual(['basic:header:authorization']);
    expect(get(S, 'GET', '/api/v1/search').auth).toEqual({ requests: 40, unauthenticated: 40, schemes: {} });
    const classes = (e: ReturnType<typeof get>) => Object.keys(e.dataClasses).sort();
    expect(classes(get(S, 'POST', '/api/v1/orders'))).toEqual([
      'jwt@request.header.authorization', 'payment_card@request.body.payment.card',
      'postal_address@request.body.shipTo.street', 'postal_address@request.body.shipTo.zip',
    ]);
    expect(classes(get(R, 'GET', '/v2/patients/{patientId}'))).toEqual([
      'date_of_birth@response.body.dob', 'email@response.body.contact.email', 'icd10@response.body.diagnosis',
      'medical_record@request.path.patientId', 'medical_record@response.body.mrn', 'npi@response.body.provider.npi',
      'phone@response.body.contact.phone', 'us_ssn@response.body.ssn',
    ]);
    expect(classes(get(R, 'GET', '/v2/accounts/{accountId}/statements'))).toEqual(['iban@response.body.iban']);
    expect(get(R, 'POST', '/files').requestBodies['multipart/form-data']!.fields).toEqual({ description: 2, file: 2, patientId: 2 });
    expect(Object.keys(get(R, 'POST', '/v2/patients/{patientId}/notes').requestBodies['application/x-www-form-urlencoded']!.fields!).sort())
      .toEqual(['author_npi', 'icd10', 'note', 'visit']);
    session.close();
  });

  it('exports OpenAPI 3.1 that the validator accepts, with no raw sensitive value', async () => {
    const { session } = await learn();
    // One document per host: 30 routes on 28 paths, as /api/v1/users/{userId} (GET, PUT) and
    // /api/v1/orders (GET, POST) of shop.example.com hold two.
    let text = JSON.stringify(session.inventory.snapshot());
    const paths: number[] = [];
    for (const host of ['records.example.com', 'shop.example.com']) {
      const doc = toOpenApi(session.endpoints(), { host });
      const res = await new Validator().validate(doc);
      expect(res.errors ?? []).toEqual([]);
      expect(res.valid).toBe(true);
      paths.push(Object.keys(doc.paths as object).length);
      text += JSON.stringify(doc);
    }
    expect(paths).toEqual([10, 18]);
    for (const raw of ['4111 1111 1111 1111', '5555555555554444', '536-22-8745', 'DE89370400440532013000', 'Tr0ub4dor', 'k_live_5s8Qw2Ez7Rt1Yu4Io9Pa', 'rotate-me-please', '4f1c9a2e7b6d']) {
      expect(text.includes(raw), raw).toBe(false);
    }
    session.close();
  });
});
