// Rate rules: YAML → validated rules, errors with file:line:col of the YAML
// node (positions counted by hand in the literal texts below).
import { describe, expect, it } from 'vitest';
import { parseRateRules, pathMatcher } from '../../src/detect/rate-rules.js';
import { RateLimitDetector } from '../../src/detect/rate-limit-detector.js';
import { UsageError } from '../../src/errors.js';
import { T0, input, run } from './fixtures.js';

function err(text: string): { code: string; message: string } {
  try {
    parseRateRules(text, 'r.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return { code: (e as UsageError).code, message: (e as Error).message };
  }
  throw new Error('no error');
}

describe('parseRateRules', () => {
  it('fills defaults', () => {
    expect(parseRateRules('version: 1\nrules:\n  - name: a\n    limit: 5\n    windowSec: 10\n')).toEqual([
      { name: 'a', match: { host: '*', method: '*', path: '*' }, per: 'principal', limit: 5, windowSec: 10, burst: 0, severity: 'medium' },
    ]);
  });

  it('schema errors point at the offending value', () => {
    // line 4 is "    limit: 0"; the value starts at column 12.
    expect(err('version: 1\nrules:\n  - name: a\n    limit: 0\n    windowSec: 10\n')).toEqual({
      code: 'ERR_RULES_INVALID', message: 'invalid rate rules: r.yaml:4:12: /rules/0/limit must be >= 1',
    });
    // An unknown key is reported on its mapping (line 3, column 5: "name").
    expect(err('version: 1\nrules:\n  - name: a\n    limt: 5\n    limit: 5\n    windowSec: 10\n').message)
      .toBe("invalid rate rules: r.yaml:3:5: /rules/0 must NOT have additional properties 'limt'");
    expect(err('version: 2\nrules: []\n').message).toBe('invalid rate rules: r.yaml:1:10: /version must be equal to constant 1');
    expect(err('version: 1\nrules:\n  - name: a\n    limit: 5\n    windowSec: 10\n    per: user\n').message)
      .toBe('invalid rate rules: r.yaml:6:10: /rules/0/per must be equal to one of the allowed values ("principal", "ip", "principal_endpoint", "endpoint", "host")');
  });

  it('YAML syntax errors and duplicate names', () => {
    expect(err('version: 1\nrules: [\n').code).toBe('ERR_RULES_PARSE');
    expect(err('version: 1\nrules: [\n').message).toMatch(/^r\.yaml:3:1: YAML syntax error: /);
    expect(err('version: 1\nrules:\n  - name: a\n    limit: 5\n    windowSec: 10\n  - name: a\n    limit: 5\n    windowSec: 10\n'))
      .toEqual({ code: 'ERR_RULES_INVALID', message: "r.yaml:6:11: duplicate rule name 'a'" });
  });

  it('path patterns match templates or raw paths; * stays in one segment, /** takes the rest', () => {
    const m = pathMatcher('/api/*/items');
    expect(m('/api/v1/items', '/api/v1/items')).toBe(true);
    expect(m('/api/v1/x/items', '/api/v1/x/items')).toBe(false);
    const r = pathMatcher('/users/**');
    expect(r('/users/{userId}', '/users/7')).toBe(true);
    expect(r('/users', '/users')).toBe(true);
    expect(r('/usersx', '/usersx')).toBe(false);
    expect(pathMatcher('/users/{userId}')('/users/{userId}', '/users/3')).toBe(true);
  });
});

describe('RateLimitDetector', () => {
  const rules = parseRateRules('version: 1\nrules:\n  - name: items\n    match: { method: GET, path: /items }\n    limit: 5\n    windowSec: 10\n    burst: 2\n');

  it('reports the first request over limit + burst, with the observed rate', () => {
    const inputs = Array.from({ length: 8 }, (_, i) => input({ ts: T0 + i * 0.1, uri: '/items' }));
    inputs.push(input({ ts: T0 + 0.9, uri: '/other' }));
    const { emitted } = run([new RateLimitDetector({ rules })], inputs);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({
      type: 'rate_limit_exceeded', severity: 'medium', seq: 1, revision: 1, owaspApi: 'API4:2023',
      principal: { kind: 'ip', id: '192.0.2.10', clientIp: '192.0.2.10' },
      window: { start: T0, end: T0 + 0.7000000000000001 },
      counts: { requests: 8, requestsInWindow: 8, peakInWindow: 8, limit: 5, burst: 2, ratePerSecX100: 80 },
      description: 'ip 192.0.2.10 made 8 requests in 10 s (0.8 req/s; peak 8), over the limit of 5 + burst 2.',
    });
  });

  it('7 requests (limit + burst) do not fire; the window slides', () => {
    const inputs = Array.from({ length: 7 }, (_, i) => input({ ts: T0 + i, uri: '/items' }));
    inputs.push(input({ ts: T0 + 11.5, uri: '/items' })); // the first 2 buckets have left the window
    expect(run([new RateLimitDetector({ rules })], inputs).emitted).toEqual([]);
  });
});
