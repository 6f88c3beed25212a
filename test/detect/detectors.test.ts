// BOLA, scanning, exposure, bad-bot and shadow-API detectors on hand-built
// transactions; expected values follow from the inputs and documented thresholds.
import { describe, expect, it } from 'vitest';
import { BolaDetector, longestSequentialRun } from '../../src/detect/bola-detector.js';
import { ScanningDetector } from '../../src/detect/scanning-detector.js';
import { ExposureDetector } from '../../src/detect/exposure-detector.js';
import { BadBotDetector, classifyUserAgent } from '../../src/detect/bad-bot-detector.js';
import { ShadowApiDetector } from '../../src/detect/shadow-api-detector.js';
import { loadSpecObject } from '../../src/inventory/spec-diff.js';
import { T0, input, run } from './fixtures.js';

const jwtPrincipal = { kind: 'jwt_sub' as const, id: 'aaaabbbbccccdddd', clientIp: '192.0.2.20', label: '' };

describe('BolaDetector', () => {
  it('a sequential walk of 20 ids never given is high', () => {
    const inputs = Array.from({ length: 20 }, (_, i) => input({ ts: T0 + i, uri: `/users/${i + 1}`, principal: jwtPrincipal }));
    const { emitted } = run([new BolaDetector()], inputs);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({
      type: 'bola_enumeration', severity: 'high', confidence: 0.85, owaspApi: 'API1:2023',
      endpoint: { host: 'api.example.com', method: 'GET', pathTemplate: '/users/{userId}' },
      principal: { kind: 'jwt_sub', id: 'aaaabbbbccccdddd', clientIp: '192.0.2.20' },
      counts: { distinctIds: 20, requestsInWindow: 20, denied: 0, idsNeverGiven: 20, longestSequentialRun: 20 },
      description: 'jwt_sub aaaabbbbccccdddd requested 20 distinct ids of GET /users/{userId} in 300 s (sequential walk of 20); 0 % answered 403/404, 100 % never given to it before.',
    });
  });

  it('scattered ids that an earlier list response gave are medium', () => {
    const ids = Array.from({ length: 20 }, (_, i) => String(7 * (i + 1)));
    const inputs = [input({ ts: T0, uri: '/users', principal: jwtPrincipal, responseIds: ids })];
    ids.forEach((id, i) => inputs.push(input({ ts: T0 + 1 + i, uri: `/users/${id}`, principal: jwtPrincipal })));
    const { emitted } = run([new BolaDetector()], inputs);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ severity: 'medium', counts: { distinctIds: 20, idsNeverGiven: 0, longestSequentialRun: 1, denied: 0 } });
  });

  it('19 ids do not fire; longest run ignores duplicates and non-integers', () => {
    const inputs = Array.from({ length: 19 }, (_, i) => input({ ts: T0 + i, uri: `/users/${i + 1}`, principal: jwtPrincipal }));
    expect(run([new BolaDetector()], inputs).emitted).toEqual([]);
    expect(longestSequentialRun(['5', '3', '4', '4', 'x', '9', '10'])).toBe(3);
  });
});

describe('ScanningDetector', () => {
  it('20 distinct 404 paths from one source', () => {
    const inputs = Array.from({ length: 20 }, (_, i) => input({ ts: T0 + i, uri: `/probe${i}`, status: 404 }));
    inputs.splice(5, 0, input({ ts: T0 + 4.5, uri: '/probe0', status: 404 })); // a repeat does not count twice
    const { emitted } = run([new ScanningDetector()], inputs);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({
      type: 'scanning', severity: 'medium', owaspApi: 'API9:2023', endpoint: null,
      counts: { distinctNotFoundPaths: 20, notFound: 21, requestsInWindow: 21 },
      description: "192.0.2.10 got 'not found' for 20 distinct paths in 300 s (21 requests in the window).",
    });
  });
});

describe('ExposureDetector', () => {
  const pii = [{ kind: 'email' as const, category: 'pii' as const, location: 'response.body.email' }, { kind: 'phone' as const, category: 'pii' as const, location: 'response.body.phone' }];

  it('PII to an unauthenticated request: medium for a profile, low for an e-mail alone, nothing with credentials', () => {
    const { emitted } = run([new ExposureDetector()], [
      input({ uri: '/profiles/1', responseData: pii }),
      input({ uri: '/contact', responseData: pii.slice(0, 1) }),
      input({ uri: '/me', responseData: pii, authSchemes: ['bearer_jwt'] }),
    ]);
    expect(emitted.map((f) => [f.type, f.severity, f.endpoint?.pathTemplate, f.owaspApi])).toEqual([
      ['sensitive_data_exposure', 'medium', '/profiles/{profileId}', 'API3:2023'],
      ['sensitive_data_exposure', 'low', '/contact', 'API3:2023'],
    ]);
    expect(emitted[0]!.description).toBe('api.example.com GET /profiles/{profileId} returned email, phone to 1 unauthenticated request(s) from 1 client(s).');
    expect(emitted[0]!.evidence.notes).toEqual(['email@response.body.email', 'phone@response.body.phone']);
  });

  it('weak auth: Basic over cleartext, alg none accepted, expired JWT accepted; secrets in the URL', () => {
    const { emitted } = run([new ExposureDetector()], [
      input({ ts: T0, uri: '/a', basicAuth: true, authSchemes: ['basic'] }),
      input({ ts: T0, uri: '/b', jwtAlg: 'none', authSchemes: ['bearer_jwt'] }),
      input({ ts: T0, uri: '/c', jwtAlg: 'HS256', jwtExp: T0 - 1, authSchemes: ['bearer_jwt'] }),
      input({ ts: T0, uri: '/c', jwtAlg: 'HS256', jwtExp: T0 - 1, authSchemes: ['bearer_jwt'], status: 401 }),
      input({ ts: T0, uri: '/d?api_key=k&x=1', urlSecrets: [['api_key', 'credential_param']] }),
    ]);
    expect(emitted.map((f) => [f.type, f.severity, f.endpoint?.pathTemplate, f.evidence.notes[0] ?? ''])).toEqual([
      ['weak_auth', 'medium', '/a', 'basic_cleartext'],
      ['weak_auth', 'critical', '/b', 'jwt_alg_none'],
      ['weak_auth', 'high', '/c', 'jwt_expired_accepted'],
      ['sensitive_data_exposure', 'medium', '/d', ''],
    ]);
    expect(emitted[3]!.evidence.transactions[0]!.uri).toBe('/d?api_key=***&x=1');
  });
});

describe('BadBotDetector', () => {
  it('classifies user agents', () => {
    expect(classifyUserAgent('sqlmap/1.7.2#stable (https://sqlmap.org)')).toEqual({ cls: 'attack_tool', tool: 'sqlmap' });
    expect(classifyUserAgent('Mozilla/5.0 (Hydra)')).toEqual({ cls: 'attack_tool', tool: 'hydra' });
    expect(classifyUserAgent('curl/7.88.1')).toEqual({ cls: 'automation', tool: 'curl' });
    expect(classifyUserAgent(null)).toEqual({ cls: 'none', tool: null });
    expect(classifyUserAgent('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0')).toEqual({ cls: 'browser', tool: null });
  });

  it('attack tool: high from the 10th request', () => {
    const inputs = Array.from({ length: 10 }, (_, i) => input({ ts: T0 + i * 0.37, userAgent: 'gobuster/3.5', headerNames: ['host', 'user-agent'] }));
    const { emitted } = run([new BadBotDetector()], inputs);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({
      type: 'bad_bot', severity: 'high', owaspApi: 'API6:2023', counts: { requests: 10, requestsInWindow: 10 },
      description: '192.0.2.10: attack tool user agent (gobuster); no browser headers (Accept missing, no Accept-Language, no Cookie).',
    });
  });

  it('automation: low, medium once timing is machine-regular (31 requests, 1 s apart)', () => {
    const inputs = Array.from({ length: 31 }, (_, i) => input({ ts: T0 + i, userAgent: 'curl/7.88.1', headerNames: ['host', 'user-agent', 'accept'] }));
    const { emitted } = run([new BadBotDetector()], inputs);
    expect(emitted.map((f) => [f.severity, f.revision, f.counts['requests']])).toEqual([['low', 1, 10], ['low', 2, 20], ['medium', 3, 31]]);
    expect(emitted[2]!.evidence.notes).toEqual([
      'automation user agent (curl)', 'no browser headers (Accept sent, no Accept-Language, no Cookie)', 'machine-regular timing (cv 0, mean gap 1000 ms)',
    ]);
  });

  it('a browser-like client is not reported', () => {
    expect(run([new BadBotDetector()], Array.from({ length: 40 }, (_, i) => input({ ts: T0 + i }))).emitted).toEqual([]);
  });
});

describe('ShadowApiDetector', () => {
  it('the first successful call of an endpoint missing from the spec', async () => {
    const spec = await loadSpecObject({
      openapi: '3.0.3', info: { title: 't', version: '1' },
      paths: { '/users/{id}': { get: { responses: { 200: { description: 'ok' } } } } },
    });
    const { emitted, findings } = run([new ShadowApiDetector({ spec })], [
      input({ uri: '/users/5' }),
      input({ uri: '/admin/debug' }),
      input({ uri: '/admin/debug', ts: T0 + 1 }),
      input({ uri: '/nothing', status: 404 }),
    ]);
    // The second call doubles the primary count: a second revision.
    expect(emitted.map((f) => [f.type, f.severity, f.endpoint?.pathTemplate, f.revision])).toEqual([['shadow_api', 'medium', '/admin/debug', 1], ['shadow_api', 'medium', '/admin/debug', 2]]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ revision: 2, counts: { calls: 2, clients: 1 } });
  });

  it('does nothing without a spec', () => {
    expect(run([new ShadowApiDetector()], [input({ uri: '/x' })]).emitted).toEqual([]);
  });
});
