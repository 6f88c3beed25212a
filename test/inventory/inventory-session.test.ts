import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ApisensorError } from '../../src/errors.js';
import { endpointId, findEndpoints } from '../../src/inventory/endpoint-lookup.js';
import { formatEndpointDetail, formatInventoryTable, formatRunSummary } from '../../src/inventory/inventory-format.js';
import { InventorySession } from '../../src/inventory/inventory-session.js';
import { tx } from './tx-fixture.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'aps-inv-session-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<[string, number]> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApisensorError);
    return [(err as ApisensorError).code, (err as ApisensorError).exitCode];
  }
  throw new Error('expected an error');
}

describe('InventorySession', () => {
  it('a run adds to the stored inventory; summary counts new and seen endpoints', async () => {
    const db = join(tempDir(), 'inv.db');
    const s1 = await InventorySession.open({ db, salt: 'aa' });
    s1.record(tx({ uri: '/items/1' }));
    s1.record(tx({ uri: '/items/2' }));
    s1.record(tx({ method: 'POST', uri: '/items', body: { name: 'x' } }));
    s1.record(tx({ method: null, uri: null }));
    expect(s1.finish()).toEqual({
      db, transactions: 4, skipped: 1, endpoints: { total: 2, new: 2, seen: 2 }, events: {},
    });
    s1.close();

    const s2 = await InventorySession.open({ db, salt: 'ignored-store-has-one', spec: fixture('shop-3.1.json') });
    expect(s2.inventory.salt).toBe('aa');
    s2.record(tx({ uri: '/items/3' }));
    s2.record(tx({ uri: '/legacy' }));
    const sum = s2.finish();
    s2.close();
    expect(sum.endpoints).toEqual({ total: 3, new: 1, seen: 2 });
    // shop-3.1.json: GET /items/{itemId}, GET /legacy (deprecated). Seen:
    // GET /items/{itemId} (documented), GET /legacy (zombie), POST /items (shadow).
    expect(sum.spec).toEqual({
      file: fixture('shop-3.1.json'), openapi: '3.1.0', operations: 2, documented: 1, shadow: 1, zombie: 1, orphan: 0, warnings: [],
    });
    const s3 = await InventorySession.open({ db, create: false });
    expect(s3.endpoints().map((e) => `${e.method} ${e.pathTemplate} ${e.calls}`)).toEqual([
      'GET /items/{itemId} 3', 'GET /legacy 1', 'POST /items 1',
    ]);
    s3.close();
  });

  it('nothing is written without finish()', async () => {
    const db = join(tempDir(), 'inv.db');
    const s1 = await InventorySession.open({ db });
    s1.record(tx({ uri: '/a' }));
    s1.finish();
    s1.close();
    const s2 = await InventorySession.open({ db });
    s2.record(tx({ uri: '/b' }));
    s2.close();
    const s3 = await InventorySession.open({ db });
    expect(s3.endpoints().map((e) => e.pathTemplate)).toEqual(['/a']);
    s3.close();
  });

  it('errors carry stable codes and exit codes', async () => {
    const dir = tempDir();
    expect(await code(InventorySession.open({ db: join(dir, 'no-such-dir', 'x.db') }))).toEqual(['ERR_STORE_OPEN', 2]);
    writeFileSync(join(dir, 'text.db'), 'this is not a database, just text that is long enough to have a header.....');
    expect(await code(InventorySession.open({ db: join(dir, 'text.db') }))).toEqual(['ERR_STORE_OPEN', 2]);
    expect(await code(InventorySession.open({ db: join(dir, 'absent.db'), create: false }))).toEqual(['ERR_STORE_MISSING', 2]);
    expect(await code(InventorySession.open({ db: join(dir, 'new.db'), spec: join(dir, 'none.yaml') }))).toEqual(['ERR_SPEC_READ', 2]);
    expect(existsSync(join(dir, 'new.db'))).toBe(false); // the spec is checked before the store is created
    writeFileSync(join(dir, 'bad.yaml'), 'openapi: [1, 2\n');
    expect(await code(InventorySession.open({ db: ':memory:', spec: join(dir, 'bad.yaml') }))).toEqual(['ERR_SPEC_PARSE', 2]);
    const s = await InventorySession.open({ db: ':memory:' });
    s.finish();
    expect(() => s.record(tx({}))).toThrow(expect.objectContaining({ code: 'ERR_INVENTORY_CLOSED' }));
    expect(() => s.finish()).toThrow(expect.objectContaining({ code: 'ERR_INVENTORY_CLOSED' }));
    s.close();
    s.close();
  });
});

describe('inventory formatting and lookup', () => {
  async function sample() {
    const s = await InventorySession.open({ db: ':memory:', salt: 'bb', spec: fixture('shop-3.1.json') });
    s.record(tx({ uri: '/items/7', requestHeaders: [['Host', 'api.example.com'], ['Authorization', 'Basic YTpi']] }));
    s.record(tx({ uri: '/items/8', status: 404 }));
    s.record(tx({ uri: '/legacy', host: 'old.example.com' }));
    s.record(tx({ method: 'POST', uri: '/signup', body: { email: 'ann@example.org', password: 'p4ss' }, status: 201 }));
    return s;
  }

  it('table: one row per endpoint with calls, statuses, auth, data classes and spec status', async () => {
    const s = await sample();
    const text = formatInventoryTable(s.endpoints(), { diff: s.diff() });
    const id = (m: string, h: string, t: string) => endpointId(`|${h} ${m} ${t}`);
    expect(text).toBe([
      'ID          HOST             METHOD  TEMPLATE         CALLS  STATUSES     AUTH            DATA            SPEC',
      `${id('GET', 'api.example.com', '/items/{itemId}')}  api.example.com  GET     /items/{itemId}      2  200:1 404:1  basic,none 50%  password        documented`,
      `${id('POST', 'api.example.com', '/signup')}  api.example.com  POST    /signup              1  201:1        none            email,password  shadow`,
      `${id('GET', 'old.example.com', '/legacy')}  old.example.com  GET     /legacy              1  200:1        none            -               zombie`,
      '',
      '3 endpoint(s), 4 call(s); spec: 1 documented, 1 shadow, 1 zombie, 0 orphan',
    ].join('\n'));
    expect(formatInventoryTable(s.endpoints(), { host: 'nowhere' })).toBe('no endpoints\n\n0 endpoint(s), 0 call(s)');
    s.close();
  });

  it('detail shows masked examples only', async () => {
    const s = await sample();
    const [signup] = findEndpoints(s.endpoints(), 'POST api.example.com/signup');
    const text = formatEndpointDetail(signup!);
    expect(text).toContain('POST api.example.com/signup');
    expect(text).toContain('pii email at request.body.email: 1 (e.g. a***@e***.org)');
    expect(text).toContain('secret password at request.body.password: 1 (e.g. ********)');
    expect(text).not.toContain('p4ss');
    expect(text).not.toContain('ann@');
    s.close();
  });

  it('lookup by id, id prefix, key, template with other names, concrete path', async () => {
    const s = await sample();
    const eps = s.endpoints();
    const key = '|api.example.com GET /items/{itemId}';
    const want = [key];
    const keys = (q: string) => findEndpoints(eps, q, s.inventory.templater).map((e) => e.key);
    expect(keys(endpointId(key))).toEqual(want);
    expect(keys(endpointId(key).slice(0, 6))).toEqual(want);
    expect(keys(key)).toEqual(want);
    expect(keys('get api.example.com/items/{id}')).toEqual(want);
    expect(keys('GET api.example.com /items/12345')).toEqual(want);
    expect(keys('GET http://api.example.com/items/9?x=1')).toEqual(want);
    expect(keys('DELETE api.example.com/items/9')).toEqual([]);
    expect(keys('nothing')).toEqual([]);
    s.close();
  });

  it('run summary text', () => {
    expect(formatRunSummary({
      db: 'x.db', transactions: 10, skipped: 1, endpoints: { total: 5, new: 2, seen: 4 },
      spec: { file: 's.yaml', openapi: '3.0.3', operations: 6, documented: 3, shadow: 1, zombie: 1, orphan: 2, warnings: [] },
      events: { 'inventory.body_unparsed': 2 },
    })).toBe([
      'inventory (x.db): 5 endpoint(s) (2 new, 4 seen in this run) from 9 transaction(s), 1 not recorded',
      'spec s.yaml (OpenAPI 3.0.3, 6 operations): 3 documented, 1 shadow, 1 zombie, 2 orphan',
      'inventory events: inventory.body_unparsed 2',
    ].join('\n'));
  });
});
