// Principal resolution. Expected hashes are HMAC-SHA256(salt, "kind:value")
// computed here with node:crypto (the documented construction); tokens and
// headers are hand-made byte for byte.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PrincipalResolver, forwardedFor, basicUser, jwtSubject } from '../../src/detect/principal.js';

const h = (kind: string, v: string) => createHmac('sha256', 's1').update(`${kind}:${v}`).digest('hex').slice(0, 16);
const b64u = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims: object, alg = 'HS256') => `${b64u({ alg, typ: 'JWT' })}.${b64u(claims)}.c2ln`;

describe('PrincipalResolver', () => {
  const r = new PrincipalResolver({ salt: 's1', trustedProxies: ['10.0.0.0/8', '2001:db8:ffff::1'] });

  it('API key header, hashed with the salt; the masked label keeps 3+2 characters', () => {
    const p = r.resolve('192.0.2.1', [['X-API-Key', 'k-flood-5d2e81']]);
    expect(p).toEqual({ kind: 'api_key', id: h('api_key', 'k-flood-5d2e81'), clientIp: '192.0.2.1', label: 'k-f***81' });
  });

  it('API key query parameter', () => {
    expect(r.resolve('192.0.2.1', [], [['api_key', 'abcdefghij']]).id).toBe(h('api_key', 'abcdefghij'));
  });

  it('JWT sub from a bearer token (decoded, not verified)', () => {
    const p = r.resolve('192.0.2.1', [['Authorization', `Bearer ${jwt({ sub: 'dave', exp: 1 })}`]]);
    expect(p.kind).toBe('jwt_sub');
    expect(p.id).toBe(h('jwt_sub', 'dave'));
    expect(jwtSubject(jwt({ sub: 42 }))).toBe('42');
  });

  it('an opaque bearer token counts as an API key', () => {
    expect(r.resolve('192.0.2.1', [['authorization', 'Bearer opaque-token-123']]).kind).toBe('api_key');
  });

  it('session cookie by conventional name', () => {
    const p = r.resolve('192.0.2.1', [['Cookie', 'theme=dark; JSESSIONID=ABC123DEF456']]);
    expect(p).toMatchObject({ kind: 'session', id: h('session', 'JSESSIONID=ABC123DEF456') });
  });

  it('Basic user id (RFC 7617: before the first colon)', () => {
    // base64("alice:pa:ss") = YWxpY2U6cGE6c3M=
    expect(basicUser('YWxpY2U6cGE6c3M=')).toBe('alice');
    expect(r.resolve('192.0.2.1', [['Authorization', 'Basic YWxpY2U6cGE6c3M=']])).toMatchObject({ kind: 'basic_user', id: h('basic_user', 'alice') });
  });

  it('precedence: API key over JWT over session over Basic', () => {
    const headers: [string, string][] = [
      ['Authorization', 'Basic YWxpY2U6cGE6c3M='], ['Cookie', 'sid=xyzxyzxyz'], ['X-Api-Key', 'key-1234567'],
    ];
    expect(r.resolve('192.0.2.1', headers).kind).toBe('api_key');
    expect(r.resolve('192.0.2.1', headers.slice(0, 2)).kind).toBe('session');
  });

  it('falls back to the client IP, which is then the id itself', () => {
    expect(r.resolve('192.0.2.9', [['Accept', '*/*']])).toEqual({ kind: 'ip', id: '192.0.2.9', clientIp: '192.0.2.9', label: '' });
  });

  it('X-Forwarded-For is honoured only from a trusted proxy, right to left, skipping trusted hops', () => {
    const xff: [string, string][] = [['X-Forwarded-For', '198.51.100.7, 203.0.113.5, 10.1.2.3']];
    expect(r.clientAddress('10.0.0.1', xff)).toBe('203.0.113.5');
    expect(r.clientAddress('192.0.2.50', xff)).toBe('192.0.2.50');
    expect(r.clientAddress('10.0.0.1', [['X-Forwarded-For', '10.9.9.9, 10.1.1.1']])).toBe('10.9.9.9');
  });

  it('Forwarded (RFC 7239) wins over X-Forwarded-For; quoted IPv6 with port', () => {
    const headers: [string, string][] = [
      ['X-Forwarded-For', '198.51.100.99'],
      ['Forwarded', 'for="[2001:db8:cafe::17]:4711";proto=http, for=10.2.2.2'],
    ];
    expect(forwardedFor('for="[2001:db8:cafe::17]:4711";proto=http, for=10.2.2.2;by=x, for=unknown')).toEqual(['2001:db8:cafe::17', '10.2.2.2']);
    expect(r.clientAddress('2001:db8:ffff::1', headers)).toBe('2001:db8:cafe::17');
  });

  it('is deterministic per salt and differs across salts', () => {
    const other = new PrincipalResolver({ salt: 's2' });
    expect(r.hash('api_key', 'x')).toBe(h('api_key', 'x'));
    expect(other.hash('api_key', 'x')).not.toBe(h('api_key', 'x'));
  });

  it('rejects an empty salt and a bad proxy entry', () => {
    expect(() => new PrincipalResolver({ salt: '' })).toThrow(TypeError);
    expect(() => new PrincipalResolver({ salt: 'x', trustedProxies: ['10.0.0.0/33'] })).toThrow(TypeError);
    expect(() => new PrincipalResolver({ salt: 'x', trustedProxies: ['proxy.local'] })).toThrow(TypeError);
  });
});

describe('PrincipalResolver tenants (issue 6 §4)', () => {
  it('the same address or credential in two tenants is two principals; plain traffic unchanged', () => {
    const r = new PrincipalResolver({ salt: 'tenant-salt' });
    const h = (s: string) => createHmac('sha256', 'tenant-salt').update(s).digest('hex').slice(0, 16);
    expect(r.resolve('10.0.0.5', []).id).toBe('10.0.0.5');
    expect(r.resolve('10.0.0.5', [], [], 'vxlan:42').id).toBe('10.0.0.5%vxlan:42');
    expect(r.resolve('10.0.0.5', [], [], 'vxlan:42').clientIp).toBe('10.0.0.5');
    const key: [string, string][] = [['X-API-Key', 'k-0123456789']];
    expect(r.resolve('10.0.0.5', key).id).toBe(h('api_key:k-0123456789'));
    expect(r.resolve('10.0.0.5', key, [], 'vxlan:42/vlan:10').id).toBe(h('vxlan:42/vlan:10|api_key:k-0123456789'));
    expect(r.resolve('10.0.0.5', key, [], 'vxlan:43').id).not.toBe(r.resolve('10.0.0.5', key, [], 'vxlan:42').id);
  });
});
