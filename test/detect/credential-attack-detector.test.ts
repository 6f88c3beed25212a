// Credential attacks on hand-built login transactions: each expected count
// and description follows from the inputs and the documented thresholds.
import { describe, expect, it } from 'vitest';
import { CredentialAttackDetector } from '../../src/detect/credential-attack-detector.js';
import { T0, input, ipPrincipal, run } from './fixtures.js';

const login = (user: string) => ({ userHash: `h-${user}`, userMasked: `${user[0]}***${user[user.length - 1]}`, hasPassword: true });
const attempt = (ts: number, user: string, status: number, ip = '192.0.2.10') =>
  input({ ts, method: 'POST', uri: '/login', status, login: login(user), principal: ipPrincipal(ip) });

describe('CredentialAttackDetector', () => {
  it('brute force: 10 failures for one account from one source, then account takeover on success', () => {
    const inputs = Array.from({ length: 10 }, (_, i) => attempt(T0 + i, 'alice', 401));
    inputs.push(attempt(T0 + 10, 'alice', 200));
    const { emitted } = run([new CredentialAttackDetector()], inputs);
    expect(emitted.map((f) => [f.seq, f.type, f.severity, f.revision])).toEqual([[1, 'brute_force', 'medium', 1], [2, 'account_takeover', 'critical', 1]]);
    expect(emitted[0]).toMatchObject({
      owaspApi: 'API2:2023',
      endpoint: { host: 'api.example.com', method: 'POST', pathTemplate: '/login' },
      principal: { kind: 'ip', id: '192.0.2.10', clientIp: '192.0.2.10' },
      window: { start: T0, end: T0 + 9 },
      counts: { failures: 10, failuresInWindow: 10, accounts: 1 },
      description: '192.0.2.10 failed 10 logins in 600 s on POST /login for account a***e.',
    });
    // Evidence: the first four failures and the latest one.
    expect(emitted[0]!.evidence.transactions.map((t) => t.uid)).toEqual([0, 1, 2, 3, 9].map((i) => inputs[i]!.uid));
    expect(emitted[1]).toMatchObject({
      window: { start: T0, end: T0 + 10 },
      counts: { failuresBefore: 10, sources: 1, successes: 1 },
      description: 'Account a***e logged in successfully from 192.0.2.10 after 10 failed attempts in 600 s: the credentials were probably guessed.',
    });
  });

  it('9 failures are not enough', () => {
    const inputs = Array.from({ length: 9 }, (_, i) => attempt(T0 + i, 'alice', 403));
    expect(run([new CredentialAttackDetector()], inputs).emitted).toEqual([]);
  });

  it('credential stuffing: one source, many accounts', () => {
    const inputs = Array.from({ length: 10 }, (_, i) => attempt(T0 + i, `user${i}`, 401));
    const { emitted } = run([new CredentialAttackDetector()], inputs);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({
      type: 'credential_stuffing', severity: 'high', counts: { failures: 10, failuresInWindow: 10, accounts: 10 },
      description: '192.0.2.10 failed 10 logins for 10 different accounts in 600 s on POST /login.',
    });
  });

  it('distributed stuffing: 20 sources, one failure each, 20 accounts', () => {
    const inputs = Array.from({ length: 20 }, (_, i) => attempt(T0 + i, `user${i}`, 401, `203.0.113.${i + 1}`));
    const { emitted } = run([new CredentialAttackDetector()], inputs);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({
      type: 'credential_stuffing', severity: 'high', principal: null, window: { start: T0, end: T0 + 19 },
      counts: { failuresInWindow: 20, sources: 20, accounts: 20, maxFailuresPerSource: 1 },
      description: '20 failed logins for 20 accounts from 20 sources in 600 s on api.example.com POST /login, each source staying under 10 failures (at most 1).',
    });
  });

  it('distributed guessing of one account from several sources is brute force on the account', () => {
    const inputs = Array.from({ length: 10 }, (_, i) => attempt(T0 + i, 'bob', 401, `203.0.113.${(i % 3) + 1}`));
    const { emitted } = run([new CredentialAttackDetector()], inputs);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ type: 'brute_force', severity: 'high', principal: null, counts: { failuresInWindow: 10, sources: 3 }, description: 'Account b***b had 10 failed logins from 3 sources in 600 s.' });
  });

  it('not a login: a GET, or a POST without password or login word', () => {
    const inputs = Array.from({ length: 12 }, (_, i) => input({ ts: T0 + i, method: 'POST', uri: '/orders', status: 401 }));
    expect(run([new CredentialAttackDetector()], inputs).emitted).toEqual([]);
  });
});
