/**
 * Sensitive-data exposure and weak authentication (issue 4 §2):
 *
 *  - sensitive_data_exposure (API3:2023): a 2xx response with PII/PHI (data
 *    classes of inventory/data-classes.ts) to a request without any
 *    credential; one episode per endpoint. High for PHI, payment cards, SSNs,
 *    IBANs; medium for two or more PII classes (a profile); low for one
 *    (an e-mail address alone is contact data many APIs publish on purpose).
 *  - sensitive_data_exposure (API2:2023): credentials or secrets in the URL
 *    query (they end up in logs, proxies, Referer); one episode per endpoint.
 *  - weak_auth (API2:2023): Basic credentials over cleartext HTTP (medium);
 *    a JWT with `alg: none` accepted with 2xx (critical) or sent (high); an
 *    expired JWT (`exp` before the request time) accepted with 2xx (high).
 *    One episode per endpoint and weakness.
 * State: LruMap of (tenant-qualified) endpoint episodes (cap `maxKeys`) with counters only.
 */
import type { EvidenceTransaction, Severity } from '../findings/finding.js';
import type { DetectionInput } from './detection-input.js';
import { addEvidence, endpointKey, principalKey, type DetectionContext, type Detector, type DetectorStats } from './detector.js';
import { LruMap } from './lru-map.js';
import { OWASP_API_2023 } from './owasp.js';

export interface ExposureOptions {
  /** Default 10,000. */
  maxKeys?: number;
}

interface KeyState {
  count: number;
  principals: Set<string>;
  kinds: Set<string>;
  first: number;
  last: number;
  evidence: EvidenceTransaction[];
}

const HIGH_KINDS = new Set(['payment_card', 'us_ssn', 'iban', 'npi', 'icd10', 'medical_record']);

export class ExposureDetector implements Detector {
  readonly name = 'exposure';
  readonly #keys: LruMap<string, KeyState>;
  readonly #max: number;

  constructor(options: ExposureOptions = {}) {
    this.#max = options.maxKeys ?? 10_000;
    this.#keys = new LruMap(this.#max);
  }

  #state(key: string, input: DetectionInput): KeyState {
    const s = this.#keys.getOrCreate(key, () => ({ count: 0, principals: new Set(), kinds: new Set(), first: input.ts, last: input.ts, evidence: [] }));
    s.count++;
    s.last = input.ts;
    if (s.principals.size < 1000) s.principals.add(principalKey(input));
    addEvidence(s.evidence, input);
    return s;
  }

  observe(input: DetectionInput, ctx: DetectionContext): void {
    const ep = ctx.endpoint;
    /** Endpoint as people read it (descriptions); state keys are tenant-qualified (detector.ts `endpointKey`). */
    const epKey = `${ep.host} ${ep.method} ${ep.pathTemplate}`;
    const stateKey = endpointKey(input, ctx.endpoint);
    const ok = input.status !== null && input.status >= 200 && input.status < 300;

    if (ok && input.authSchemes.length === 0) {
      const pii = input.responseData.filter((d) => d.category === 'pii' || d.category === 'phi');
      if (pii.length > 0) {
        const s = this.#state(`pii|${stateKey}`, input);
        for (const d of pii) if (s.kinds.size < 32) s.kinds.add(`${d.kind}@${d.location}`);
        const kinds = [...new Set([...s.kinds].map((k) => k.slice(0, k.indexOf('@'))))].sort();
        const severity: Severity = kinds.some((k) => HIGH_KINDS.has(k)) ? 'high' : kinds.length >= 2 ? 'medium' : 'low';
        ctx.report({
          type: 'sensitive_data_exposure',
          key: `pii|${stateKey}`,
          severity,
          confidence: 0.8,
          owaspApi: OWASP_API_2023.API3,
          title: 'Personal data served without authentication',
          description: `${epKey} returned ${kinds.join(', ')} to ${s.count} unauthenticated request(s) from ${s.principals.size} client(s).`,
          endpoint: ep,
          principal: null,
          window: { start: s.first, end: input.ts },
          counts: { responses: s.count, clients: s.principals.size, dataClasses: kinds.length },
          primary: 'responses',
          evidence: s.evidence,
          notes: [...s.kinds].sort().slice(0, 10),
        });
      }
    }

    if (input.urlSecrets.length > 0) {
      const s = this.#state(`url|${stateKey}`, input);
      for (const [name, kind] of input.urlSecrets) if (s.kinds.size < 32) s.kinds.add(`${name}:${kind}`);
      ctx.report({
        type: 'sensitive_data_exposure',
        key: `url|${stateKey}`,
        severity: 'medium',
        confidence: 0.9,
        owaspApi: OWASP_API_2023.API2,
        title: 'Credentials or secrets in request URLs',
        description: `${s.count} request(s) to ${epKey} carried credentials in the query string (${[...s.kinds].sort().join(', ')}), where logs, proxies and Referer headers keep them.`,
        endpoint: ep,
        principal: null,
        window: { start: s.first, end: input.ts },
        counts: { requests: s.count, clients: s.principals.size },
        primary: 'requests',
        evidence: s.evidence,
        notes: [],
      });
    }

    const weak = (what: string, severity: Severity, title: string, description: (s: KeyState) => string): void => {
      const key = `${what}|${stateKey}`;
      const s = this.#state(key, input);
      ctx.report({
        type: 'weak_auth', key, severity, confidence: 0.9, title, description: description(s), endpoint: ep, principal: null,
        window: { start: s.first, end: input.ts }, counts: { requests: s.count, clients: s.principals.size }, primary: 'requests',
        evidence: s.evidence, notes: [what],
      });
    };
    if (input.basicAuth) {
      weak('basic_cleartext', 'medium', 'Basic authentication over cleartext HTTP',
        (s) => `${s.count} request(s) to ${epKey} sent Basic credentials (RFC 7617: user and password in base64) over unencrypted HTTP.`);
    }
    if (input.jwtAlg !== null && input.jwtAlg.toLowerCase() === 'none') {
      weak('jwt_alg_none', ok ? 'critical' : 'high', 'Unsigned JWT (alg: none)',
        (s) => `${s.count} request(s) to ${epKey} presented an unsigned JWT (alg none, RFC 7519 §6)${ok ? ' and the API accepted it' : ''}.`);
    }
    if (ok && input.jwtExp !== null && input.jwtExp < input.ts) {
      weak('jwt_expired_accepted', 'high', 'Expired JWT accepted',
        (s) => `${epKey} answered 2xx to ${s.count} request(s) whose JWT had expired (exp before the request time, RFC 7519 §4.1.4).`);
    }
  }

  flush(nowSec: number): void {
    this.#keys.pruneOldest((s) => s.last < nowSec - 3600);
  }

  stats(): DetectorStats {
    return { name: this.name, stateSize: this.#keys.size, stateCap: this.#max, capHits: this.#keys.evictions };
  }
}
