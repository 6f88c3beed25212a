import { describe, expect, it } from 'vitest';
import { PathTemplater, pathOfTarget } from '../../src/inventory/path-template.js';
import { classifySegment } from '../../src/inventory/segment-kind.js';
import { singularize, paramName } from '../../src/inventory/param-name.js';
import { EventCounter } from '../../src/stats/event-counter.js';

const T = (t: PathTemplater, uri: string, method = 'GET', host = 'api.example.com') => t.observe('', host, method, uri).template;

describe('classifySegment', () => {
  it.each([
    ['7', 'integer'],
    ['12345', 'integer'],
    ['3f2504e0-4f89-11d3-9a0c-0305e82c3301', 'uuid'],
    ['507f1f77bcf86cd799439011', 'objectid'],
    ['2024-02-29', 'date'],
    ['2024-02-30', 'word'], // not a calendar date; '-' and digits only → word
    ['2023-06-01T12:30:00Z', 'date'],
    ['alice@example.com', 'email'],
    ['9f86d081884c', 'hex'],
    ['deadbeef', 'word'], // hex letters only: a word
    ['facade', 'word'],
    ['AB12CD34', 'alnum_id'],
    ['user123456', 'alnum_id'],
    ['sha256', 'word'],
    ['oauth2', 'word'],
    ['2fa', 'word'],
    ['v1', 'version'],
    ['v2.1', 'version'],
    ['getUserProfileSettings', 'word'],
    ['dGhpcyBpc1Rva2VuMTIz_-x9Qa', 'token'],
    ['hello world', 'other'],
  ])('%s → %s', (seg, kind) => {
    expect(classifySegment(seg)).toBe(kind);
  });
});

describe('param names', () => {
  it('singularizes the parent', () => {
    expect(singularize('users')).toBe('user');
    expect(singularize('categories')).toBe('category');
    expect(singularize('addresses')).toBe('address');
    expect(singularize('boxes')).toBe('box');
    expect(singularize('people')).toBe('person');
    expect(singularize('status')).toBe('status');
    expect(paramName('user-groups', false, new Set())).toBe('userGroupId');
    expect(paramName(null, false, new Set(['id']))).toBe('id2');
    expect(paramName('files', true, new Set())).toBe('fileName');
  });
});

describe('PathTemplater', () => {
  it('makes typed segments parameters named after the parent', () => {
    const t = new PathTemplater();
    expect(T(t, '/users/42')).toBe('/users/{userId}');
    expect(T(t, '/users/42/orders/507f1f77bcf86cd799439011?x=1')).toBe('/users/{userId}/orders/{orderId}');
    expect(T(t, '/api/v1/categories/3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBe('/api/v1/categories/{categoryId}');
    expect(T(t, '/members/alice%40example.com')).toBe('/members/{memberId}');
    expect(T(t, '/reports/2024-01-31')).toBe('/reports/{reportId}');
    expect(T(t, '/devices/AB12CD34')).toBe('/devices/{deviceId}');
  });

  it('keeps file extensions', () => {
    const t = new PathTemplater();
    expect(T(t, '/files/9f86d081884c.pdf')).toBe('/files/{fileName}.pdf');
    const tp = t.templateFor('', 'api.example.com', 'GET', '/files/12.pdf');
    expect(tp.params[0]).toMatchObject({ name: 'fileName', suffix: '.pdf', reason: 'type' });
  });

  it('short ids stay parameters; version segments and api stay literal', () => {
    const t = new PathTemplater();
    expect(T(t, '/items/7')).toBe('/items/{itemId}');
    expect(T(t, '/api/v2/items/1')).toBe('/api/v2/items/{itemId}');
  });

  it('words that look like ids stay literal', () => {
    const t = new PathTemplater();
    expect(T(t, '/auth/oauth2/token')).toBe('/auth/oauth2/token');
    expect(T(t, '/hash/sha256')).toBe('/hash/sha256');
    expect(T(t, '/cache/deadbeef')).toBe('/cache/deadbeef');
    expect(T(t, '/users/getUserProfileSettings')).toBe('/users/getUserProfileSettings');
  });

  it('a static sibling stays itself next to a typed parameter', () => {
    const t = new PathTemplater();
    expect(T(t, '/users/me')).toBe('/users/me');
    for (let i = 1; i <= 20; i++) T(t, `/users/${i}`);
    expect(T(t, '/users/me')).toBe('/users/me');
    expect(T(t, '/users/21')).toBe('/users/{userId}');
  });

  it('plain words become a parameter only by cardinality (threshold), with explanation', () => {
    const t = new PathTemplater({ cardinalityThreshold: 5 });
    const words = ['alpha', 'bravo', 'charlie', 'delta'];
    for (const w of words) expect(T(t, `/tags/${w}`)).toBe(`/tags/${w}`);
    const g = t.generation;
    expect(T(t, '/tags/echo')).toBe('/tags/{tagId}');
    expect(t.generation).toBe(g + 1);
    // earlier words now map to the parameter; the static word 'search' does not
    expect(T(t, '/tags/alpha')).toBe('/tags/{tagId}');
    expect(T(t, '/tags/search')).toBe('/tags/search');
    const p = t.templateFor('', 'api.example.com', 'GET', '/tags/zulu').params[0]!;
    expect(p.reason).toBe('cardinality');
    expect(p.kinds).toEqual({ word: 6 });
    expect(p.distinctValues).toBe(5);
    expect(p.confidence).toBe(Math.round((5 / 7.5) * 100) / 100);
  });

  it('over-merge trap: many resource names under /api/v1 stay literal', () => {
    const t = new PathTemplater({ cardinalityThreshold: 3 });
    const resources = ['users', 'orders', 'products', 'carts', 'invoices', 'payments', 'reviews', 'coupons'];
    for (const r of resources) expect(T(t, `/api/v1/${r}`)).toBe(`/api/v1/${r}`);
    for (const r of resources) expect(T(t, `/v2/${r}`)).toBe(`/v2/${r}`);
  });

  it('over-merge trap: words called again and again are not values', () => {
    const t = new PathTemplater({ cardinalityThreshold: 4, minDistinctRatio: 0.25 });
    const words = ['daily', 'weekly', 'monthly', 'yearly'];
    for (let i = 0; i < 6; i++) for (const w of words.slice(0, 3)) T(t, `/reports/${w}`);
    // 4 distinct words over 19 observations: 4 < 19 × 0.25
    expect(T(t, '/reports/yearly')).toBe('/reports/yearly');
    expect(t.generation).toBe(0);
    // the same 4 words seen once each (ratio 1) do become a parameter
    const u = new PathTemplater({ cardinalityThreshold: 4, minDistinctRatio: 0.25 });
    for (const w of words) T(u, `/reports/${w}`);
    expect(u.templateFor('', 'api.example.com', 'GET', '/reports/daily').template).toBe('/reports/{reportId}');
  });

  it('one-off paths below the threshold stay literal', () => {
    const t = new PathTemplater();
    expect(T(t, '/robots.txt')).toBe('/robots.txt');
    expect(T(t, '/docs/intro')).toBe('/docs/intro');
    expect(T(t, '/docs/install')).toBe('/docs/install');
  });

  it('never promotes the first segment, and counts per method', () => {
    const t = new PathTemplater({ cardinalityThreshold: 3 });
    for (const w of ['a1x', 'bb', 'cc', 'dd', 'ee']) T(t, `/${w}`);
    expect(T(t, '/ff')).toBe('/ff');
    T(t, '/p/one', 'GET');
    T(t, '/p/two', 'GET');
    T(t, '/p/three', 'POST');
    expect(t.templateFor('', 'api.example.com', 'GET', '/p/four').template).toBe('/p/four');
    T(t, '/p/five', 'GET');
    expect(t.templateFor('', 'api.example.com', 'GET', '/p/four').template).toBe('/p/{pId}');
    expect(t.templateFor('', 'api.example.com', 'POST', '/p/four').template).toBe('/p/four');
  });

  it('deduplicates names and maps a template back to itself', () => {
    const t = new PathTemplater();
    expect(T(t, '/12/34')).toBe('/{id}/{id2}');
    expect(t.templateFor('', 'api.example.com', 'GET', '/users/{userId}').template).toBe('/users/{userId}');
  });

  it('is stable run to run and merges saved state', () => {
    const paths = ['/tags/a', '/tags/b', '/tags/c', '/users/1'];
    const a = new PathTemplater({ cardinalityThreshold: 4 });
    const b = new PathTemplater({ cardinalityThreshold: 4 });
    for (const p of paths) { T(a, p); T(b, p); }
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    const c = new PathTemplater({ cardinalityThreshold: 4 });
    c.load(JSON.parse(JSON.stringify(a.toJSON())));
    expect(T(c, '/tags/d')).toBe('/tags/{tagId}');
    expect(c.templateFor('', 'api.example.com', 'GET', '/tags/a').template).toBe('/tags/{tagId}');
    expect(c.templateFor('', 'api.example.com', 'GET', '/users/9').params[0]!.kinds).toEqual({ integer: 1 });
  });

  it('bounds its state with a counter', () => {
    const events = new EventCounter();
    const t = new PathTemplater({ maxNodes: 3, events });
    T(t, '/a/b/c/d');
    expect(events.get('inventory.template_nodes_cap')).toBeGreaterThan(0);
    expect(T(t, '/a/b/c/d/5')).toBe('/a/b/c/d/{dId}');
  });

  it('takes the path of absolute-form targets', () => {
    expect(pathOfTarget('http://h:8080/x/y?z#f')).toBe('/x/y');
    expect(pathOfTarget('/a?b')).toBe('/a');
  });
});
