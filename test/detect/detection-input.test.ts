// DetectionInputBuilder on a hand-made record with the worker-side extras
// (headers and body samples written out byte for byte below).
import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import type { TransactionRecord } from '../../src/http/transaction-record.js';
import { DetectionInputBuilder } from '../../src/detect/detection-input.js';
import { PrincipalResolver } from '../../src/detect/principal.js';
import { DataClassifier } from '../../src/inventory/data-classes.js';

function record(over: Partial<TransactionRecord>, extras: Pick<TransactionRecord, 'requestHeaders' | 'requestBodySample' | 'responseBodySample'>): TransactionRecord {
  const r: TransactionRecord = {
    uid: 'C7', transDepth: 2, clientIp: '10.0.0.1', clientPort: 40000, serverIp: '198.51.100.1', serverPort: 80, vlan: [], tunnel: null,
    requestTs: 1700000000.5, responseTs: 1700000000.6, method: 'POST', host: 'Api.Example.com:80', uri: '/login?next=%2Fhome&token=abc',
    httpVersion: '1.1', status: 401, reason: 'Unauthorized', informational: [], requestBodyLength: 0, responseBodyLength: 0,
    requestBodyDecodedLength: null, responseBodyDecodedLength: null, requestContentType: 'application/x-www-form-urlencoded',
    responseContentType: 'application/json', requestContentEncoding: null, responseContentEncoding: null, userAgent: 'curl/8.0', flags: ['gap'],
    ...over,
  };
  for (const [k, v] of Object.entries(extras)) Object.defineProperty(r, k, { value: v, enumerable: false });
  return r;
}

const salt = 'salt-x';
const hmac = (v: string) => createHmac('sha256', salt).update(v).digest('hex').slice(0, 16);

describe('DetectionInputBuilder', () => {
  const b = new DetectionInputBuilder({ resolver: new PrincipalResolver({ salt, trustedProxies: ['10.0.0.1'] }), classifier: new DataClassifier({ salt }) });

  it('form login through a trusted proxy, token in the URL, ids and PII in the JSON response', () => {
    const exp = 1699999999;
    const jwt = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"sub":"u1","exp":${exp}}`).toString('base64url')}.`;
    const r = record({}, {
      requestHeaders: [['Host', 'Api.Example.com:80'], ['X-Forwarded-For', '203.0.113.9'], ['Authorization', `Bearer ${jwt}`], ['User-Agent', 'curl/8.0'], ['Referer', "x' OR '1'='1"]],
      requestBodySample: new TextEncoder().encode('username=Alice&password=secret1'),
      responseBodySample: new TextEncoder().encode('{"id":12,"items":[{"orderId":"A-1","email":"bob@example.com"}]}'),
    });
    expect(b.build(r)).toEqual({
      uid: 'C7', transDepth: 2, ts: 1700000000.5, peerIp: '10.0.0.1', serverIp: '198.51.100.1', serverPort: 80,
      host: 'api.example.com', tenant: '', method: 'POST', uri: '/login?next=%2Fhome&token=abc', status: 401, flags: ['gap'], userAgent: 'curl/8.0',
      // `token` in the query is an API key and takes precedence over the JWT (principal.ts order).
      principal: { kind: 'api_key', id: createHmac('sha256', salt).update('api_key:abc').digest('hex').slice(0, 16), clientIp: '203.0.113.9', label: '***' },
      headerNames: ['host', 'x-forwarded-for', 'authorization', 'user-agent', 'referer'],
      authSchemes: ['bearer_jwt', 'api_key'],
      basicAuth: false, jwtAlg: 'none', jwtExp: exp,
      login: { userHash: hmac('user:alice'), userMasked: 'A***e', hasPassword: true },
      params: [['path', '/login'], ['query.next', '/home'], ['query.token', 'abc'], ['header.user-agent', 'curl/8.0'], ['header.referer', "x' OR '1'='1"], ['body.username', 'Alice']],
      urlSecrets: [['token', 'credential_param']],
      responseData: [{ kind: 'email', category: 'pii', location: 'response.body.items[].email' }],
      responseIds: ['12', 'A-1'],
    });
  });

  it('Basic credentials give the login user; a record without extras still builds', () => {
    const r = record({ uri: '/x', requestContentType: null }, { requestHeaders: [['Authorization', 'Basic YWxpY2U6cHc=']] });
    const i = b.build(r);
    expect([i.basicAuth, i.login, i.principal.kind]).toEqual([true, { userHash: hmac('user:alice'), userMasked: 'a***e', hasPassword: true }, 'basic_user']);
    const bare = b.build(record({ uri: null, method: null }, {}));
    expect([bare.params, bare.principal]).toEqual([[], { kind: 'ip', id: '10.0.0.1', clientIp: '10.0.0.1', label: '' }]);
  });
});
