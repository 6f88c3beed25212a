import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../../src/serve/service.js';
import { TokenStore } from '../../src/serve/token-store.js';
import { TOKEN, connect, findingSeqs, makeFinding } from './serve-helpers.js';

let svc: Service;
let wsUrl: string;

beforeAll(async () => {
  svc = await startService({ listen: '127.0.0.1:0', tokens: new TokenStore([{ token: TOKEN }]) });
  wsUrl = `${svc.url.replace('http', 'ws')}/v1/stream`;
});
afterAll(async () => {
  await svc.close();
});

describe('stream encodings', () => {
  it('JSON text frames and msgpack binary frames carry the same finding', async () => {
    const j = await connect(wsUrl, { token: TOKEN, protocols: ['apisensor.v1.json'] });
    const m = await connect(wsUrl, { token: TOKEN, protocols: ['apisensor.v1.msgpack'] });
    expect(j.ws.protocol).toBe('apisensor.v1.json');
    expect(m.ws.protocol).toBe('apisensor.v1.msgpack');
    await j.until((x) => x.length >= 1);
    await m.until((x) => x.length >= 1);
    expect(m.messages[0]).toMatchObject({ channel: 'control', type: 'hello', encoding: 'msgpack' });
    const f = makeFinding(svc.bus.lastSeq + 1);
    svc.bus.publish(f);
    await j.until((x) => x.length >= 2);
    await m.until((x) => x.length >= 2);
    expect(j.messages[1]).toEqual({ channel: 'findings', seq: f.seq, finding: f });
    expect(m.messages[1]).toEqual({ channel: 'findings', seq: f.seq, finding: f });
    j.ws.close();
    m.ws.close();
  });
});

describe('stream filters', () => {
  it('applies minimum severity, types, hosts, endpoints and channels given at connect', async () => {
    const base = svc.bus.lastSeq;
    const sev = await connect(`${wsUrl}?minSeverity=high`, { token: TOKEN });
    const typ = await connect(`${wsUrl}?type=scanning,bola_enumeration`, { token: TOKEN });
    const host = await connect(`${wsUrl}?host=Shop.Example.com`, { token: TOKEN });
    const ep = await connect(`${wsUrl}?endpoint=${encodeURIComponent('GET /users/{id}')}`, { token: TOKEN });
    const inv = await connect(`${wsUrl}?channel=inventory`, { token: TOKEN });
    const all = await connect(`${wsUrl}?channel=findings,inventory`, { token: TOKEN });
    const users = { host: 'shop.example.com', method: 'GET', pathTemplate: '/users/{id}' };
    svc.bus.publish(makeFinding(base + 1, { severity: 'low', type: 'scanning' }));
    svc.bus.publish(makeFinding(base + 2, { severity: 'critical', type: 'bola_enumeration', endpoint: users }));
    svc.bus.publish(makeFinding(base + 3, { severity: 'medium', type: 'brute_force', endpoint: { ...users, method: 'POST' } }));
    svc.bus.publish(makeFinding(base + 4, { severity: 'high', type: 'brute_force', endpoint: null }));
    svc.bus.publishInventory({ event: 'new_endpoint', ts: 1700000000, endpoint: { key: '|shop.example.com GET /users/{id}', ...users } });
    await all.until((m) => m.length >= 6);
    expect(findingSeqs(all.messages)).toEqual([base + 1, base + 2, base + 3, base + 4]);
    expect(all.messages[5]).toEqual({
      channel: 'inventory', seq: base + 5, event: 'new_endpoint', ts: 1700000000,
      endpoint: { key: '|shop.example.com GET /users/{id}', ...users },
    });
    await inv.until((m) => m.length >= 2);
    expect(inv.messages.slice(1).map((m) => m.seq)).toEqual([base + 5]);
    // Everything published has been delivered to `all`; the others got theirs before (same socket order per client).
    await Promise.all([sev, typ, host, ep].map((c) => c.until((m) => m.length >= 1)));
    for (const c of [sev, typ, host, ep, inv, all]) c.ws.close();
    await Promise.all([sev, typ, host, ep, inv].map((c) => c.closed));
    expect(findingSeqs(sev.messages)).toEqual([base + 2, base + 4]);
    expect(findingSeqs(typ.messages)).toEqual([base + 1, base + 2]);
    expect(findingSeqs(host.messages)).toEqual([base + 2, base + 3]);
    expect(findingSeqs(ep.messages)).toEqual([base + 2]);
  });

  it('replaces the filter with a subscribe message and can replay with since', async () => {
    const c = await connect(wsUrl, { token: TOKEN });
    await c.until((m) => m.length >= 1);
    const base = svc.bus.lastSeq;
    svc.bus.publish(makeFinding(base + 1, { severity: 'info' }));
    await c.until((m) => m.length >= 2);
    c.ws.send(JSON.stringify({ type: 'subscribe', filter: { minSeverity: 'critical' }, since: base }));
    await c.until((m) => m.some((x) => x.type === 'subscribed'));
    svc.bus.publish(makeFinding(base + 2, { severity: 'high' }));
    svc.bus.publish(makeFinding(base + 3, { severity: 'critical' }));
    await c.until((m) => findingSeqs(m).includes(base + 3));
    // base+1 came live; the replay from `base` skips it (info < critical); base+2 is filtered out.
    expect(findingSeqs(c.messages)).toEqual([base + 1, base + 3]);
    c.ws.send(JSON.stringify({ type: 'subscribe', filter: { minSeverity: 'urgent' } }));
    c.ws.send('not json');
    await c.until((m) => m.filter((x) => x.type === 'error').length >= 2);
    expect(c.messages.filter((x) => x.type === 'error').map((x) => x.code)).toEqual(['ERR_BAD_FILTER', 'ERR_BAD_MESSAGE']);
    c.ws.close();
  });
});
