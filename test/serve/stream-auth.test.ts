import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../../src/serve/service.js';
import { TokenStore } from '../../src/serve/token-store.js';
import { EXPIRED, TOKEN, TOKEN_B, connect } from './serve-helpers.js';

let svc: Service;
let wsUrl: string;

beforeAll(async () => {
  const tokens = new TokenStore([
    { token: TOKEN, name: 'collector' },
    { token: TOKEN_B, name: 'browser', expiresAtMs: Date.parse('2999-01-01T00:00:00Z') },
    { token: EXPIRED, name: 'old', expiresAtMs: Date.parse('2020-01-01T00:00:00Z') },
  ]);
  svc = await startService({ listen: '127.0.0.1:0', tokens, allowedOrigins: ['https://soc.example.com'] });
  wsUrl = `${svc.url.replace('http', 'ws')}/v1/stream`;
});
afterAll(async () => {
  await svc.close();
});

describe('stream authentication', () => {
  it('refuses a missing, a wrong and an expired token with 401 and a stable code, and counts them', async () => {
    await expect(connect(wsUrl)).rejects.toMatchObject({ status: 401, body: { error: { code: 'ERR_AUTH_MISSING' } } });
    await expect(connect(wsUrl, { token: 'wrong-token-0123456789abcdef' })).rejects.toMatchObject({ status: 401, body: { error: { code: 'ERR_AUTH_INVALID' } } });
    await expect(connect(wsUrl, { token: EXPIRED })).rejects.toMatchObject({ status: 401, body: { error: { code: 'ERR_AUTH_EXPIRED' } } });
    await expect(connect(wsUrl, { protocols: ['apisensor.v1.json', 'bearer.nope-nope-nope-nope-nope'] }))
      .rejects.toMatchObject({ status: 401, body: { error: { code: 'ERR_AUTH_INVALID' } } });
    expect(svc.events.get('stream.rejected_auth_missing')).toBe(1);
    expect(svc.events.get('stream.rejected_auth_invalid')).toBe(2);
    expect(svc.events.get('stream.rejected_auth_expired')).toBe(1);
    const metrics = await svc.metrics.text();
    expect(metrics).toContain('apisensor_stream_rejected_total{reason="auth_invalid"} 2');
  });

  it('accepts a token in the Authorization header, and as a bearer.<token> subprotocol (browser style)', async () => {
    const a = await connect(wsUrl, { token: TOKEN });
    await a.until((m) => m.length >= 1);
    expect(a.messages[0]).toMatchObject({ channel: 'control', type: 'hello', version: 1, encoding: 'json' });
    expect(a.ws.protocol).toBe('');
    a.ws.close();
    const b = await connect(wsUrl, { protocols: ['apisensor.v1.json', `bearer.${TOKEN_B}`], origin: 'https://soc.example.com' });
    // The server selects the encoding, never the token entry.
    expect(b.ws.protocol).toBe('apisensor.v1.json');
    b.ws.close();
  });

  it('refuses a browser Origin that is not allowed with 403', async () => {
    await expect(connect(wsUrl, { token: TOKEN, origin: 'https://evil.example.net' }))
      .rejects.toMatchObject({ status: 403, body: { error: { code: 'ERR_ORIGIN_FORBIDDEN' } } });
    expect(svc.events.get('stream.rejected_origin')).toBe(1);
  });

  it('refuses a bad filter with 400 ERR_BAD_FILTER', async () => {
    await expect(connect(`${wsUrl}?minSeverity=urgent`, { token: TOKEN }))
      .rejects.toMatchObject({ status: 400, body: { error: { code: 'ERR_BAD_FILTER' } } });
    await expect(connect(`${wsUrl}?since=-3`, { token: TOKEN }))
      .rejects.toMatchObject({ status: 400, body: { error: { code: 'ERR_BAD_PARAM' } } });
  });
});

describe('service start rules', () => {
  it('needs tokens unless --no-auth on loopback', async () => {
    await expect(startService({ listen: '127.0.0.1:0', env: {} })).rejects.toMatchObject({ code: 'ERR_NO_TOKENS' });
    await expect(startService({ listen: '0.0.0.0:0', env: {}, noAuth: true })).rejects.toMatchObject({ code: 'ERR_NO_AUTH_NOT_LOOPBACK' });
    const open = await startService({ listen: '127.0.0.1:0', env: {}, noAuth: true });
    const c = await connect(`${open.url.replace('http', 'ws')}/v1/stream`);
    await c.until((m) => m.length >= 1);
    expect(c.messages[0]).toMatchObject({ type: 'hello' });
    await open.close();
    expect(await c.closed).toEqual({ code: 1001, reason: 'server shutting down' });
  });

  it('reads tokens from APISENSOR_TOKENS', async () => {
    const s = await startService({ listen: '127.0.0.1:0', env: { APISENSOR_TOKENS: `siem=${TOKEN},old=${EXPIRED}@2020-01-01T00:00:00Z` } });
    const url = `${s.url.replace('http', 'ws')}/v1/stream`;
    const c = await connect(url, { token: TOKEN });
    c.ws.close();
    await expect(connect(url, { token: EXPIRED })).rejects.toMatchObject({ status: 401, body: { error: { code: 'ERR_AUTH_EXPIRED' } } });
    await s.close();
  });
});
