/**
 * Injection attempts (issue 4 §2) in the request path, query values, selected
 * headers and form/JSON body values (DetectionInput.params), matched against
 * the curated signatures of injection-signatures.ts. One episode per
 * (principal, class). OWASP: SSRF is API7:2023, the other classes API8:2023
 * (injection reaches the API through a misconfigured, unvalidated input).
 * Severity: medium; high from `highRequests` matching requests, or when the
 * server answered 5xx to a matching request (an error-based probe that works).
 * State: LruMap of (tenant-qualified principal, class) episodes (cap `maxKeys`).
 */
import type { EvidenceTransaction, FindingPrincipal } from '../findings/finding.js';
import type { DetectionInput } from './detection-input.js';
import { addEvidence, findingPrincipal, principalKey, type DetectionContext, type Detector, type DetectorStats } from './detector.js';
import { matchSignatures, type InjectionClass, type SignatureHit } from './injection-signatures.js';
import { LruMap } from './lru-map.js';
import { OWASP_API_2023 } from './owasp.js';

export interface InjectionOptions {
  /** Default 10. */
  highRequests?: number;
  /** Default 50,000. */
  maxKeys?: number;
}

interface KeyState {
  principal: FindingPrincipal;
  requests: number;
  serverErrors: number;
  signatures: Map<string, number>;
  locations: Set<string>;
  first: number;
  last: number;
  evidence: EvidenceTransaction[];
  samples: string[];
}

const CLASS_TITLE: Readonly<Record<InjectionClass, string>> = {
  sqli: 'SQL injection attempts', xss: 'Cross-site scripting attempts', path_traversal: 'Path traversal attempts',
  os_command: 'OS command injection attempts', ssrf: 'Server-side request forgery attempts',
};

/** Payload excerpt for a note: printable, at most 80 characters. */
function excerpt(v: string): string {
  const s = v.replace(/[\u0000-\u001f\u007f]/g, '?');
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

export class InjectionDetector implements Detector {
  readonly name = 'injection';
  readonly #high: number;
  readonly #keys: LruMap<string, KeyState>;
  readonly #hits: SignatureHit[] = [];
  readonly #maxKeys: number;

  constructor(options: InjectionOptions = {}) {
    this.#high = options.highRequests ?? 10;
    this.#maxKeys = options.maxKeys ?? 50_000;
    this.#keys = new LruMap(this.#maxKeys);
  }

  observe(input: DetectionInput, ctx: DetectionContext): void {
    const hits = this.#hits;
    hits.length = 0;
    const values = new Map<string, string>();
    for (const [loc, v] of input.params) {
      const before = hits.length;
      matchSignatures(loc, v, hits);
      if (hits.length > before) values.set(loc, v);
    }
    if (hits.length === 0) return;
    const classes = new Map<InjectionClass, SignatureHit[]>();
    for (const h of hits) {
      const list = classes.get(h.cls);
      if (list) list.push(h);
      else classes.set(h.cls, [h]);
    }
    const pkey = principalKey(input);
    for (const [cls, list] of classes) {
      const key = `${pkey}|${cls}`;
      const s = this.#keys.getOrCreate(key, () => ({
        principal: findingPrincipal(input), requests: 0, serverErrors: 0, signatures: new Map(), locations: new Set(),
        first: input.ts, last: input.ts, evidence: [], samples: [],
      }));
      s.requests++;
      s.last = input.ts;
      if (input.status !== null && input.status >= 500) s.serverErrors++;
      for (const h of list) {
        s.signatures.set(h.id, (s.signatures.get(h.id) ?? 0) + 1);
        if (s.locations.size < 16) s.locations.add(h.location);
      }
      addEvidence(s.evidence, input);
      if (s.samples.length < 3) s.samples.push(`${list[0]!.id} in ${list[0]!.location}: ${excerpt(values.get(list[0]!.location) ?? '')}`);
      const high = s.requests >= this.#high || s.serverErrors > 0;
      const sigs = [...s.signatures.keys()].sort();
      ctx.report({
        type: 'injection_attempt',
        key,
        severity: high ? 'high' : 'medium',
        confidence: sigs.length >= 2 || s.requests >= 3 ? 0.9 : 0.6,
        owaspApi: cls === 'ssrf' ? OWASP_API_2023.API7 : OWASP_API_2023.API8,
        title: CLASS_TITLE[cls],
        description: `${input.principal.kind === 'ip' ? input.principal.clientIp : `${input.principal.kind} ${input.principal.id}`} sent ${s.requests} request(s) with ${cls} payloads (${sigs.join(', ')}) in ${[...s.locations].sort().join(', ')}`
          + `${s.serverErrors > 0 ? `; ${s.serverErrors} answered with a server error` : ''}.`,
        endpoint: ctx.endpoint,
        principal: s.principal,
        window: { start: s.first, end: input.ts },
        counts: { requests: s.requests, serverErrors: s.serverErrors, signatures: sigs.length },
        primary: 'requests',
        evidence: s.evidence,
        notes: [`class ${cls}`, ...s.samples],
      });
    }
  }

  /** Forgets keys idle for an hour (the engine closes their episodes earlier). */
  flush(nowSec: number): void {
    this.#keys.pruneOldest((s) => s.last < nowSec - 3600);
  }

  stats(): DetectorStats {
    return { name: this.name, stateSize: this.#keys.size, stateCap: this.#maxKeys, capHits: this.#keys.evictions };
  }
}
