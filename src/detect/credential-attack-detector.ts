/**
 * Credential attacks on login endpoints (issue 4 §2, OWASP API2:2023):
 *
 *  - brute_force: one source fails `sourceFailures` times in the window
 *    against fewer than `stuffingUsers` distinct accounts; or one account
 *    fails `accountFailures` times from `accountSources` or more sources;
 *  - credential_stuffing: one source fails against `stuffingUsers` or more
 *    distinct accounts; or, distributed, one login endpoint collects
 *    `distributedFailures` failures from `distributedSources` or more sources
 *    for `distributedUsers` or more accounts while every source stays under
 *    `sourceFailures`;
 *  - account_takeover: an account succeeds after `takeoverFailures` or more
 *    failures in the window (the success's source is the principal).
 *
 * A login attempt is a POST/PUT whose body has a password field, or a request
 * to a path with a login word (login, signin, sign-in, logon, auth, token,
 * session, oauth) with a body, or any request with Basic credentials. Outcome:
 * 401/403 fail, 2xx success (other statuses are ignored). Sources are the
 * principal (the client IP when a login carries no credential). Accounts are
 * salted hashes of the user name (detection-input.ts).
 *
 * Sources, accounts and endpoints are tenant-qualified (detector.ts `tenantKey`).
 * State: sources, accounts and login endpoints in LruMaps (caps `maxSources`,
 * `maxAccounts`, `maxEndpoints`); each distinct-set capped at `maxDistinct`.
 */
import type { EvidenceTransaction, FindingEndpoint, FindingPrincipal } from '../findings/finding.js';
import type { DetectionInput } from './detection-input.js';
import { addEvidence, endpointKey, findingPrincipal, tenantKey, type DetectionContext, type Detector, type DetectorStats } from './detector.js';
import { LruMap } from './lru-map.js';
import { DistinctWindow, SlidingCounter } from './sliding-window.js';

export interface CredentialAttackOptions {
  /** Seconds. Default 600. */
  windowSec?: number;
  /** Default 10. */
  sourceFailures?: number;
  /** Default 5. */
  stuffingUsers?: number;
  /** Default 10. */
  accountFailures?: number;
  /** Default 3. */
  accountSources?: number;
  /** Default 20. */
  distributedFailures?: number;
  /** Default 8. */
  distributedSources?: number;
  /** Default 10. */
  distributedUsers?: number;
  /** Default 5. */
  takeoverFailures?: number;
  /** Default 50,000. */
  maxSources?: number;
  /** Default 50,000. */
  maxAccounts?: number;
  /** Default 1,000. */
  maxEndpoints?: number;
  /** Default 1,000. */
  maxDistinct?: number;
}

const LOGIN_WORD_RE = /(?:^|[/_.-])(?:login|log-in|signin|sign-in|logon|auth|authenticate|token|session|sessions|oauth)(?:$|[/_.-])/i;

interface SourceState {
  principal: FindingPrincipal;
  failures: SlidingCounter;
  users: DistinctWindow<string>;
  first: number;
  last: number;
  total: number;
  endpoint: FindingEndpoint;
  evidence: EvidenceTransaction[];
}

interface AccountState {
  masked: string;
  failures: SlidingCounter;
  sources: DistinctWindow<string>;
  first: number;
  last: number;
  evidence: EvidenceTransaction[];
}

interface EndpointState {
  endpoint: FindingEndpoint;
  failures: SlidingCounter;
  sources: DistinctWindow<string>;
  users: DistinctWindow<string>;
  /** Failures per source in the window (to prove each stays under the per-source threshold). */
  perSource: LruMap<string, SlidingCounter>;
  /** Highest per-source window count seen while adding (O(1) instead of a scan). */
  maxPerSource: number;
  first: number;
  last: number;
  evidence: EvidenceTransaction[];
}

export function isLoginAttempt(input: DetectionInput, pathTemplate: string): boolean {
  if (input.basicAuth) return true;
  if (input.method !== 'POST' && input.method !== 'PUT') return false;
  if (input.login?.hasPassword) return true;
  return LOGIN_WORD_RE.test(pathTemplate);
}

export class CredentialAttackDetector implements Detector {
  readonly name = 'credential-attack';
  readonly #o: Required<CredentialAttackOptions>;
  readonly #sources: LruMap<string, SourceState>;
  readonly #accounts: LruMap<string, AccountState>;
  readonly #endpoints: LruMap<string, EndpointState>;
  #distinctCapHits = 0;

  constructor(options: CredentialAttackOptions = {}) {
    this.#o = {
      windowSec: 600, sourceFailures: 10, stuffingUsers: 5, accountFailures: 10, accountSources: 3,
      distributedFailures: 20, distributedSources: 8, distributedUsers: 10, takeoverFailures: 5,
      maxSources: 50_000, maxAccounts: 50_000, maxEndpoints: 1_000, maxDistinct: 1_000, ...options,
    };
    this.#sources = new LruMap(this.#o.maxSources, (_k, s) => this.#countDistinct(s.users));
    this.#accounts = new LruMap(this.#o.maxAccounts, (_k, a) => this.#countDistinct(a.sources));
    this.#endpoints = new LruMap(this.#o.maxEndpoints);
  }

  #countDistinct(d: DistinctWindow<string>): void {
    this.#distinctCapHits += d.capHits;
  }

  observe(input: DetectionInput, ctx: DetectionContext): void {
    if (input.status === null || !isLoginAttempt(input, ctx.endpoint.pathTemplate)) return;
    const failed = input.status === 401 || input.status === 403;
    const ok = input.status >= 200 && input.status < 300;
    if (!failed && !ok) return;
    const o = this.#o;
    const ts = input.ts;
    const userHash = input.login?.userHash ?? '';
    const user = userHash === '' ? '' : tenantKey(input.tenant, userHash);
    const src = tenantKey(input.tenant, input.principal.id);

    if (ok) {
      const acct = user ? this.#accounts.peek(user) : undefined;
      if (!acct) return;
      const fails = acct.failures.count(ts);
      if (fails >= o.takeoverFailures) {
        addEvidence(acct.evidence, input);
        ctx.report({
          type: 'account_takeover',
          key: `${user}|${src}`,
          severity: 'critical',
          confidence: 0.8,
          title: 'Login success after repeated failures',
          description: `Account ${acct.masked} logged in successfully from ${input.principal.clientIp} after ${fails} failed attempts in ${o.windowSec} s: the credentials were probably guessed.`,
          endpoint: ctx.endpoint,
          principal: findingPrincipal(input),
          window: { start: acct.first, end: ts },
          counts: { failuresBefore: fails, sources: acct.sources.size(ts), successes: 1 },
          primary: 'successes',
          evidence: acct.evidence,
          notes: [`account ${acct.masked}`],
        });
      }
      return;
    }

    // Failure: per source.
    const s = this.#sources.getOrCreate(src, () => ({
      principal: findingPrincipal(input), failures: new SlidingCounter(o.windowSec), users: new DistinctWindow<string>(o.windowSec, o.maxDistinct),
      first: ts, last: ts, total: 0, endpoint: ctx.endpoint, evidence: [],
    }));
    const sFails = s.failures.add(ts);
    s.users.add(user, ts);
    s.last = ts;
    s.total++;
    addEvidence(s.evidence, input);
    const sUsers = s.users.size(ts);
    if (sFails >= o.sourceFailures) {
      const stuffing = sUsers >= o.stuffingUsers;
      ctx.report({
        type: stuffing ? 'credential_stuffing' : 'brute_force',
        key: src,
        severity: stuffing || sFails >= 5 * o.sourceFailures ? 'high' : 'medium',
        confidence: stuffing ? 0.85 : 0.8,
        title: stuffing ? 'Credential stuffing from one source' : 'Password brute force',
        description: stuffing
          ? `${s.principal.clientIp} failed ${sFails} logins for ${sUsers} different accounts in ${o.windowSec} s on ${ctx.endpoint.method} ${ctx.endpoint.pathTemplate}.`
          : `${s.principal.clientIp} failed ${sFails} logins in ${o.windowSec} s on ${ctx.endpoint.method} ${ctx.endpoint.pathTemplate}${sUsers === 1 && input.login ? ` for account ${input.login.userMasked}` : ''}.`,
        endpoint: s.endpoint,
        principal: s.principal,
        window: { start: s.first, end: ts },
        counts: { failures: s.total, failuresInWindow: sFails, accounts: sUsers },
        primary: 'failures',
        evidence: s.evidence,
        notes: [],
      });
    }

    // Per account.
    if (user) {
      const a = this.#accounts.getOrCreate(user, () => ({
        masked: input.login?.userMasked ?? '***', failures: new SlidingCounter(o.windowSec),
        sources: new DistinctWindow<string>(o.windowSec, o.maxDistinct), first: ts, last: ts, evidence: [],
      }));
      const aFails = a.failures.add(ts);
      a.sources.add(src, ts);
      a.last = ts;
      addEvidence(a.evidence, input);
      const aSources = a.sources.size(ts);
      if (aFails >= o.accountFailures && aSources >= o.accountSources) {
        ctx.report({
          type: 'brute_force',
          key: `account|${user}`,
          severity: 'high',
          confidence: 0.75,
          title: 'Distributed password guessing against one account',
          description: `Account ${a.masked} had ${aFails} failed logins from ${aSources} sources in ${o.windowSec} s.`,
          endpoint: ctx.endpoint,
          principal: null,
          window: { start: a.first, end: ts },
          counts: { failuresInWindow: aFails, sources: aSources },
          primary: 'failuresInWindow',
          evidence: a.evidence,
          notes: [`account ${a.masked}`],
        });
      }
    }

    // Distributed, per login endpoint.
    const ek = `${ctx.endpoint.host} ${ctx.endpoint.method} ${ctx.endpoint.pathTemplate}`;
    const eKey = endpointKey(input, ctx.endpoint);
    const e = this.#endpoints.getOrCreate(eKey, () => ({
      endpoint: ctx.endpoint, failures: new SlidingCounter(o.windowSec), sources: new DistinctWindow<string>(o.windowSec, o.maxDistinct),
      users: new DistinctWindow<string>(o.windowSec, o.maxDistinct), perSource: new LruMap(o.maxDistinct), maxPerSource: 0, first: ts, last: ts, evidence: [],
    }));
    const eFails = e.failures.add(ts);
    e.sources.add(src, ts);
    e.users.add(user, ts);
    const perSource = e.perSource.getOrCreate(src, () => new SlidingCounter(o.windowSec)).add(ts);
    if (perSource > e.maxPerSource) e.maxPerSource = perSource;
    e.last = ts;
    addEvidence(e.evidence, input);
    const eSources = e.sources.size(ts);
    const eUsers = e.users.size(ts);
    if (eFails >= o.distributedFailures && eSources >= o.distributedSources && eUsers >= o.distributedUsers) {
      const maxPerSource = e.maxPerSource;
      if (maxPerSource < o.sourceFailures) {
        ctx.report({
          type: 'credential_stuffing',
          key: `distributed|${eKey}`,
          severity: 'high',
          confidence: 0.7,
          title: 'Distributed credential stuffing',
          description: `${eFails} failed logins for ${eUsers} accounts from ${eSources} sources in ${o.windowSec} s on ${ek}, each source staying under ${o.sourceFailures} failures (at most ${maxPerSource}).`,
          endpoint: e.endpoint,
          principal: null,
          window: { start: e.first, end: ts },
          counts: { failuresInWindow: eFails, sources: eSources, accounts: eUsers, maxFailuresPerSource: maxPerSource },
          primary: 'failuresInWindow',
          evidence: e.evidence,
          notes: [],
        });
      }
    }
  }

  flush(nowSec: number): void {
    const limit = nowSec - this.#o.windowSec;
    this.#sources.pruneOldest((s) => s.last < limit);
    this.#accounts.pruneOldest((a) => a.last < limit);
    this.#endpoints.pruneOldest((e) => e.last < limit);
  }

  stats(): DetectorStats {
    return {
      name: this.name,
      stateSize: this.#sources.size + this.#accounts.size + this.#endpoints.size,
      stateCap: this.#o.maxSources + this.#o.maxAccounts + this.#o.maxEndpoints,
      capHits: this.#sources.evictions + this.#accounts.evictions + this.#endpoints.evictions + this.#distinctCapHits,
    };
  }
}
