// Header values are the examples of the RFCs that define the schemes:
// RFC 7617 §2 (Basic), RFC 6750 §2.1 (Bearer, opaque), RFC 7519 §3.1 (JWT),
// RFC 7616 §3.9.1 (Digest).
import { describe, expect, it } from 'vitest';
import { addAuth, detectAuth, mergeAuth, newAuthStats, unauthenticatedRatio } from '../../src/inventory/auth-detect.js';

const RFC7519_JWT = 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

describe('detectAuth', () => {
  it('none', () => {
    expect(detectAuth([['Host', 'x'], ['Accept', '*/*']])).toEqual([]);
  });
  it('Basic', () => {
    expect(detectAuth([['Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==']])).toEqual([{ scheme: 'basic', in: 'header', name: 'authorization' }]);
  });
  it('Bearer opaque', () => {
    expect(detectAuth([['Authorization', 'Bearer mF_9.B5f-4.1JqM']])).toEqual([{ scheme: 'bearer_opaque', in: 'header', name: 'authorization' }]);
  });
  it('Bearer JWT: alg, issuer, claim names, never the token', () => {
    const obs = detectAuth([['authorization', `Bearer ${RFC7519_JWT}`]]);
    expect(obs).toEqual([{
      scheme: 'bearer_jwt', in: 'header', name: 'authorization', jwtAlg: 'HS256', jwtIssuer: 'joe',
      jwtClaims: ['exp', 'http://example.com/is_root', 'iss'],
    }]);
    expect(JSON.stringify(obs)).not.toContain('dBjftJeZ4CVP');
  });
  it('Digest is other', () => {
    const v = 'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="8ca523f5e9506fed4657c9700eebdbec", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
    expect(detectAuth([['Authorization', v]])).toEqual([{ scheme: 'other', in: 'header', name: 'authorization', authScheme: 'Digest' }]);
  });
  it('API key in header and query, bearer in query, session cookie', () => {
    expect(detectAuth([['X-API-Key', 'abc123']], [['api_key', 'k'], ['access_token', 'mF_9.B5f-4.1JqM']])).toEqual([
      { scheme: 'api_key', in: 'header', name: 'x-api-key' },
      { scheme: 'api_key', in: 'query', name: 'api_key' },
      { scheme: 'bearer_opaque', in: 'query', name: 'access_token' },
    ]);
    expect(detectAuth([['Cookie', 'theme=dark; JSESSIONID=ABCDEF0123; _ga=GA1.2']])).toEqual([
      { scheme: 'session_cookie', in: 'cookie', name: 'JSESSIONID' },
    ]);
    expect(detectAuth([['Cookie', 'theme=dark; lang=en']])).toEqual([]);
  });
});

describe('AuthStats', () => {
  it('counts unauthenticated calls and merges', () => {
    const a = newAuthStats();
    addAuth(a, detectAuth([['Authorization', `Bearer ${RFC7519_JWT}`]]));
    addAuth(a, []);
    addAuth(a, []);
    const b = newAuthStats();
    addAuth(b, detectAuth([['Authorization', `Bearer ${RFC7519_JWT}`]]));
    mergeAuth(a, b);
    expect(a.requests).toBe(4);
    expect(a.unauthenticated).toBe(2);
    expect(unauthenticatedRatio(a)).toBe(0.5);
    expect(a.schemes['bearer_jwt:header:authorization']).toEqual({
      scheme: 'bearer_jwt', in: 'header', name: 'authorization', count: 2,
      jwtAlgs: { HS256: 2 }, jwtIssuers: { joe: 2 }, jwtClaims: ['exp', 'http://example.com/is_root', 'iss'],
    });
  });
});
