// End-to-end with transaction detail (headers, decoded body samples):
// pcaps/own/api-keepalive.pcap replayed with `withDetail: true` into the
// inventory. The oracle is tshark (TShark 4.0.17), independent of src/:
//   tshark -r pcaps/own/api-keepalive.pcap -Y http.request -T fields
//     -e http.host -e http.request.method -e http.request.uri -e http.authorization -e http.file_data
//   tshark -r pcaps/own/api-keepalive.pcap -Y http.response -T fields
//     -e http.response_for.uri -e http.request_in -e http.file_data
// (tshark de-chunks and decodes gzip for http.file_data). From its output this
// file derives, with rules of its own: endpoint templates (an all-digit
// segment is an id named after its singular parent), auth per endpoint (a
// `Bearer` JWT's alg read from its base64url JOSE header), the request JSON
// schema (keys, JS types, required = present in every body) and the data
// classes (a string with `@` is an e-mail, one starting `eyJ` with two dots a
// JWT, a `password` key a password; locations `request.body.k`,
// `response.body.k`, `response.body.list[].k`, NDJSON lines as one body).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EndpointInventory } from '../../src/inventory/endpoint-inventory.js';
import { toJsonSchema } from '../../src/inventory/schema-infer.js';
import { replayFiles } from '../../src/replay/replay.js';

const capture = fileURLToPath(new URL('../../pcaps/own/api-keepalive.pcap', import.meta.url));

function tshark(filter: string, fields: string[]): string[][] {
  const out = execFileSync('tshark', ['-r', capture, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

function templateOf(uri: string): string {
  const segs = uri.replace(/^https?:\/\/[^/]+/, '').split('?')[0]!.split('/').filter(Boolean);
  return '/' + segs.map((s, i) => (/^\d+$/.test(s) ? `{${segs[i - 1]!.replace(/s$/, '')}Id}` : s)).join('/');
}

/** tshark prints a body's line feeds as `\n`. */
function jsonValues(fileData: string): unknown[] {
  if (!fileData) return [];
  return fileData.split('\\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown);
}

function classesOf(value: unknown, loc: string, key: string, out: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) classesOf(v, `${loc}[]`, key, out);
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) classesOf(v, `${loc}.${k}`, k, out);
  else if (key === 'password') out.add(`password@${loc}`);
  else if (typeof value === 'string' && /^[^@\s]+@[^@\s]+\.[a-z]+$/.test(value)) out.add(`email@${loc}`);
  else if (typeof value === 'string' && /^eyJ[^.]+\.[^.]+\.[^.]*$/.test(value)) out.add(`jwt@${loc}`);
}

interface Expected {
  calls: number;
  unauth: number;
  jwtAlgs: Record<string, number>;
  bodies: Record<string, unknown>[];
  classes: Set<string>;
}

function expectedFromTshark(): Map<string, Expected> {
  const byKey = new Map<string, Expected>();
  const frameKey = new Map<string, string>();
  const reqs = tshark('http.request', ['frame.number', 'http.host', 'http.request.method', 'http.request.uri', 'http.authorization', 'http.file_data']);
  for (const [frame, host, method, uri, auth, body] of reqs) {
    const key = `${host} ${method} ${templateOf(uri!)}`;
    frameKey.set(frame!, key);
    const e = byKey.get(key) ?? { calls: 0, unauth: 0, jwtAlgs: {}, bodies: [], classes: new Set<string>() };
    byKey.set(key, e);
    e.calls++;
    if (!auth) e.unauth++;
    else {
      expect(auth.startsWith('Bearer eyJ')).toBe(true);
      const header = JSON.parse(Buffer.from(auth.slice(7).split('.')[0]!, 'base64url').toString('utf8')) as { alg: string };
      e.jwtAlgs[header.alg] = (e.jwtAlgs[header.alg] ?? 0) + 1;
      e.classes.add('jwt@request.header.authorization');
    }
    for (const v of jsonValues(body ?? '')) {
      e.bodies.push(v as Record<string, unknown>);
      classesOf(v, 'request.body', '', e.classes);
    }
  }
  for (const [requestIn, body] of tshark('http.response', ['http.request_in', 'http.file_data'])) {
    const e = byKey.get(frameKey.get(requestIn!)!)!;
    for (const v of jsonValues(body ?? '')) classesOf(v, 'response.body', '', e.classes);
  }
  return byKey;
}

/** Request JSON schema by the oracle's rules: each key's JS types, required = in every body. */
function schemaOf(bodies: Record<string, unknown>[]): { properties: Record<string, string[]>; required: string[] } {
  const props: Record<string, Set<string>> = {};
  const seen: Record<string, number> = {};
  for (const b of bodies) {
    for (const [k, v] of Object.entries(b)) {
      (props[k] ??= new Set()).add(typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v);
      seen[k] = (seen[k] ?? 0) + 1;
    }
  }
  const properties: Record<string, string[]> = {};
  for (const k of Object.keys(props).sort()) properties[k] = [...props[k]!].sort();
  return { properties, required: Object.keys(seen).filter((k) => seen[k] === bodies.length).sort() };
}

async function learn(workers: number): Promise<EndpointInventory> {
  const inv = new EndpointInventory({ salt: 'test-salt' });
  const res = await replayFiles([capture], { workers, withDetail: true, onTransaction: (r) => void inv.record(r) });
  expect(res.error).toBeUndefined();
  return inv;
}

describe('inventory with transaction detail: pcaps/own/api-keepalive.pcap', () => {
  it('auth, request JSON schemas and data classes match tshark, per endpoint', async () => {
    const want = expectedFromTshark();
    expect(want.size).toBe(18);
    const inv = await learn(0);
    const got = inv.endpoints();
    expect(got.map((e) => `${e.host} ${e.method} ${e.pathTemplate}`).sort()).toEqual([...want.keys()].sort());
    for (const ep of got) {
      const e = want.get(`${ep.host} ${ep.method} ${ep.pathTemplate}`)!;
      expect(ep.calls, ep.key).toBe(e.calls);
      expect(ep.auth.unauthenticated, ep.key).toBe(e.unauth);
      const jwt = ep.auth.schemes['bearer_jwt:header:authorization'];
      expect(jwt?.jwtAlgs ?? {}, ep.key).toEqual(e.jwtAlgs);
      expect(Object.keys(ep.auth.schemes).filter((k) => k !== 'bearer_jwt:header:authorization'), ep.key).toEqual([]);
      const reqJson = ep.requestBodies['application/json'];
      if (e.bodies.length === 0) {
        expect(reqJson, ep.key).toBeUndefined();
      } else {
        const s = toJsonSchema(reqJson!.schema!) as { properties: Record<string, { type: string | string[] }>; required?: string[] };
        const mine = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, [v.type].flat().sort()]));
        const oracle = schemaOf(e.bodies);
        expect(mine, ep.key).toEqual(oracle.properties);
        expect(s.required ?? [], ep.key).toEqual(oracle.required);
      }
      expect(Object.keys(ep.dataClasses).sort(), ep.key).toEqual([...e.classes].sort());
    }
  });

  it('hand-checked values from the tshark output above', async () => {
    const inv = await learn(0);
    const me = inv.get('|api.example.com GET /api/v1/me')!;
    // Two GET /api/v1/me: the first without Authorization (401), the second with
    // `Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.…` = {"alg":"HS256"} / {"sub":"42"}.
    expect(me.auth).toEqual({
      requests: 2, unauthenticated: 1,
      schemes: { 'bearer_jwt:header:authorization': { scheme: 'bearer_jwt', in: 'header', name: 'authorization', count: 1, jwtAlgs: { HS256: 1 }, jwtClaims: ['sub'] } },
    });
    expect(me.statuses).toEqual({ '200': 1, '401': 1 });
    // PUT shop.example.com/api/v1/users/42 body {"email": "bob@example.com", "active": true}.
    const put = inv.get('|shop.example.com PUT /api/v1/users/{userId}')!;
    expect(toJsonSchema(put.requestBodies['application/json']!.schema!)).toEqual({
      type: 'object',
      properties: { active: { type: 'boolean' }, email: { type: 'string', format: 'email' } },
      required: ['active', 'email'],
    });
    // Four POST /api/v1/login on shop.example.com: bodies {username,password} ×2,
    // {password}, {username}: neither key in all four; three distinct user
    // names in three values is no enum (schema-infer.ts: an enum needs repeats).
    const login = inv.get('|shop.example.com POST /api/v1/login')!;
    expect(toJsonSchema(login.requestBodies['application/json']!.schema!)).toEqual({
      type: 'object', properties: { password: { type: 'string' }, username: { type: 'string' } },
    });
    expect(login.dataClasses['password@request.body.password']!.count).toBe(3);
    expect(login.dataClasses['password@request.body.password']!.examples.map((x) => x.masked)).toEqual(['********', '********', '********']);
    expect(login.statuses).toEqual({ '200': 3, '400': 1 });
  });

  it('never stores a password, token or e-mail raw', async () => {
    const inv = await learn(0);
    const text = JSON.stringify(inv.snapshot());
    for (const secret of ['s3cret', 'hunter2', 'no-user', '"pw"', 'c2lnbmF0dXJl', 'bob@example.com', 'user42@example.com']) {
      expect(text.includes(secret), secret).toBe(false);
    }
  });

  it('the same inventory with worker threads (detail crosses threads)', async () => {
    const a = (await learn(0)).snapshot();
    const b = (await learn(2)).snapshot();
    expect(b.endpoints).toEqual(a.endpoints);
  });
});
