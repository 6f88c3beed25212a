import { describe, expect, it } from 'vitest';
import { EndpointInventory } from '../../src/inventory/endpoint-inventory.js';
import { EventCounter } from '../../src/stats/event-counter.js';
import { tx } from './tx-fixture.js';

describe('EndpointInventory', () => {
  it('identity: host header, else ip:port; tenant kept', () => {
    const inv = new EndpointInventory({ salt: 's' });
    inv.record(tx({ uri: '/a', host: 'API.Example.com:80' }));
    inv.record(tx({ uri: '/a', host: null, serverIp: '10.0.0.9', serverPort: 8080 }));
    inv.record(tx({ uri: '/a', tunnel: { kind: 'vxlan', id: 42 }, vlan: [10] }));
    expect(inv.endpoints().map((e) => e.key)).toEqual([
      // sorted by key: 'v' (0x76) sorts before '|' (0x7c)
      'vxlan:42/vlan:10|api.example.com GET /a',
      '|10.0.0.9:8080 GET /a',
      '|api.example.com GET /a',
    ]);
  });

  it('per-endpoint statistics', () => {
    const inv = new EndpointInventory({ salt: 's' });
    inv.record(tx({
      method: 'POST', uri: '/users/17/orders?expand=true&page=2', requestTs: 100, responseTs: 100.25, status: 201,
      requestHeaders: [['Host', 'api.example.com'], ['Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='], ['X-Request-Id', '3f2504e0-4f89-11d3-9a0c-0305e82c3301'], ['Cookie', 'sid=abc; theme=dark']],
      responseHeaders: [['Set-Cookie', 'sid=def; HttpOnly']],
      body: { item: 'book', qty: 2, email: 'jane@example.com' }, resBody: { id: 99, status: 'new' },
    }));
    inv.record(tx({ method: 'POST', uri: '/users/18/orders?page=3', requestTs: 50, responseTs: 50.05, status: 400, resBody: { error: 'bad' } }));
    const [ep] = inv.endpoints();
    expect(ep!.pathTemplate).toBe('/users/{userId}/orders');
    expect(ep!.calls).toBe(2);
    expect(ep!.firstSeen).toBe(50);
    expect(ep!.lastSeen).toBe(100);
    expect(ep!.statuses).toEqual({ '201': 1, '400': 1 });
    expect(ep!.queryParams).toEqual({ expand: { count: 1, kinds: { boolean: 1 } }, page: { count: 2, kinds: { integer: 2 } } });
    expect(ep!.pathParamStats).toEqual({ userId: { count: 2, kinds: { integer: 2 } } });
    expect(ep!.headers).toEqual({ authorization: { count: 1, kinds: { other: 1 } }, 'x-request-id': { count: 1, kinds: { uuid: 1 } } });
    expect(ep!.cookies).toEqual({ sid: 1, theme: 1 });
    expect(ep!.setCookies).toEqual({ sid: 1 });
    expect(ep!.auth.requests).toBe(2);
    expect(ep!.auth.unauthenticated).toBe(1);
    expect(Object.keys(ep!.auth.schemes).sort()).toEqual(['basic:header:authorization', 'session_cookie:cookie:sid']);
    expect(Object.keys(ep!.requestBodies)).toEqual(['application/json']);
    expect(ep!.requestBodies['application/json']!.schema!.properties!.qty!.types).toEqual({ integer: 1 });
    expect(Object.keys(ep!.responseBodies).sort()).toEqual(['201', '400']);
    expect(Object.keys(ep!.responseBodies['201']!)).toEqual(['application/json']);
    expect(Object.keys(ep!.dataClasses).sort()).toEqual(['email@request.body.email', 'password@request.header.authorization']);
    expect(ep!.latency.count).toBe(2);
    expect(ep!.requestSize.count).toBe(2);
  });

  it('form and multipart field names', () => {
    const inv = new EndpointInventory({ salt: 's' });
    inv.record(tx({ method: 'POST', uri: '/login', body: 'user=alice&password=secret&remember=on' }));
    const multipart = '--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nabc\r\n--XyZ--\r\n';
    inv.record(tx({ method: 'POST', uri: '/upload', requestContentType: 'multipart/form-data; boundary=XyZ', requestBodySample: new TextEncoder().encode(multipart), requestBodyLength: multipart.length }));
    const [login, upload] = inv.endpoints();
    expect(login!.requestBodies['application/x-www-form-urlencoded']!.fields).toEqual({ user: 1, password: 1, remember: 1 });
    expect(login!.dataClasses['password@request.body.password']!.examples).toEqual([{ masked: '********', hash: expect.any(String) }]);
    expect(upload!.requestBodies['multipart/form-data']!.fields).toEqual({ title: 1, file: 1 });
  });

  it('re-learned templates merge the old statistics', () => {
    const inv = new EndpointInventory({ salt: 's', templater: { cardinalityThreshold: 4 } });
    for (const w of ['red', 'green', 'blue']) inv.record(tx({ uri: `/colors/${w}`, status: 200 }));
    expect(inv.endpoints().map((e) => e.pathTemplate)).toEqual(['/colors/blue', '/colors/green', '/colors/red']);
    inv.record(tx({ uri: '/colors/cyan', status: 404 }));
    const eps = inv.endpoints();
    expect(eps.map((e) => e.pathTemplate)).toEqual(['/colors/{colorId}']);
    expect(eps[0]!.calls).toBe(4);
    expect(eps[0]!.statuses).toEqual({ '200': 3, '404': 1 });
    expect(eps[0]!.pathParams[0]).toMatchObject({ name: 'colorId', reason: 'cardinality', distinctValues: 4 });
  });

  it('bounded endpoint table with a counter', () => {
    const events = new EventCounter();
    const inv = new EndpointInventory({ salt: 's', maxEndpoints: 2, events });
    expect(inv.record(tx({ uri: '/a' }))).not.toBeNull();
    expect(inv.record(tx({ uri: '/b' }))).not.toBeNull();
    expect(inv.record(tx({ uri: '/c' }))).toBeNull();
    expect(inv.size).toBe(2);
    expect(events.get('inventory.endpoints_cap')).toBe(1);
  });

  it('snapshot round trip merges', () => {
    const a = new EndpointInventory({ salt: 's' });
    a.record(tx({ uri: '/items/1' }));
    const b = new EndpointInventory({ salt: 's' });
    b.record(tx({ uri: '/items/2' }));
    b.load(JSON.parse(JSON.stringify(a.snapshot())));
    const [ep] = b.endpoints();
    expect(ep!.pathTemplate).toBe('/items/{itemId}');
    expect(ep!.calls).toBe(2);
  });
});
