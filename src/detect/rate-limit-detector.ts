/**
 * Rate and quota rules (issue 4 §2, OWASP API4:2023): for every rule whose
 * match selects the transaction, one sliding counter per rule key (principal,
 * client IP, principal+endpoint, endpoint or host). A key exceeds its rule
 * when the requests in the window pass `limit + burst`; the finding carries
 * the observed rate (requests in the window / windowSec, req/s) and its peak.
 * Severity is the rule's; `high` once the window count reaches 10 × limit.
 *
 * State: per rule an LruMap of tenant-qualified keys (cap `maxKeysPerRule`, default 100,000);
 * each key is one SlidingCounter of 10 buckets.
 */
import type { EvidenceTransaction, FindingEndpoint, FindingPrincipal, Severity } from '../findings/finding.js';
import { pathOfTarget } from '../inventory/path-template.js';
import type { DetectionInput } from './detection-input.js';
import { addEvidence, endpointKey, findingPrincipal, principalKey, round2, tenantKey, type DetectionContext, type Detector, type DetectorStats } from './detector.js';
import { LruMap } from './lru-map.js';
import { DEFAULT_RATE_RULES, pathMatcher, type RateRule } from './rate-rules.js';
import { SlidingCounter } from './sliding-window.js';

export interface RateLimitOptions {
  rules?: readonly RateRule[];
  maxKeysPerRule?: number;
}

interface KeyState {
  counter: SlidingCounter;
  first: number;
  last: number;
  total: number;
  peak: number;
  principal: FindingPrincipal | null;
  endpoint: FindingEndpoint | null;
  evidence: EvidenceTransaction[];
}

interface CompiledRule {
  rule: RateRule;
  path: (template: string, raw: string) => boolean;
  keys: LruMap<string, KeyState>;
}

export class RateLimitDetector implements Detector {
  readonly name = 'rate-limit';
  readonly #rules: CompiledRule[];
  readonly #cap: number;

  constructor(options: RateLimitOptions = {}) {
    this.#cap = options.maxKeysPerRule ?? 100_000;
    this.#rules = (options.rules ?? DEFAULT_RATE_RULES).map((rule) => ({ rule, path: pathMatcher(rule.match.path), keys: new LruMap<string, KeyState>(this.#cap) }));
  }

  observe(input: DetectionInput, ctx: DetectionContext): void {
    const ep = ctx.endpoint;
    const raw = input.uri ? pathOfTarget(input.uri) : '';
    for (const c of this.#rules) {
      const r = c.rule;
      if (r.match.host !== '*' && r.match.host.toLowerCase() !== ep.host) continue;
      if (r.match.method !== '*' && r.match.method !== ep.method) continue;
      if (!c.path(ep.pathTemplate, raw)) continue;
      const epKey = `${ep.host} ${ep.method} ${ep.pathTemplate}`;
      // State keys are tenant-qualified (detector.ts); `epKey` is for descriptions.
      const key = r.per === 'principal' ? principalKey(input)
        : r.per === 'ip' ? tenantKey(input.tenant, input.principal.clientIp)
        : r.per === 'principal_endpoint' ? `${principalKey(input)}|${endpointKey(input, ctx.endpoint)}`
        : r.per === 'endpoint' ? endpointKey(input, ctx.endpoint)
        : tenantKey(input.tenant, ep.host);
      const s = c.keys.getOrCreate(key, () => ({
        counter: new SlidingCounter(r.windowSec), first: input.ts, last: input.ts, total: 0, peak: 0,
        principal: r.per === 'endpoint' || r.per === 'host' ? null : findingPrincipal(input),
        endpoint: r.per === 'principal_endpoint' || r.per === 'endpoint' ? ep : null, evidence: [],
      }));
      const n = s.counter.add(input.ts);
      s.total++;
      s.last = input.ts;
      if (n > s.peak) s.peak = n;
      if (n <= r.limit + r.burst) continue;
      addEvidence(s.evidence, input);
      const severity: Severity = n >= 10 * r.limit && r.severity !== 'critical' ? 'high' : r.severity;
      const scope = r.per === 'host' ? `host ${ep.host}` : r.per === 'endpoint' ? `${epKey}` : `${input.principal.kind} ${input.principal.kind === 'ip' ? input.principal.clientIp : input.principal.id}`;
      ctx.report({
        type: 'rate_limit_exceeded',
        key: `${r.name}|${key}`,
        severity,
        confidence: 0.95,
        title: `Rate rule '${r.name}' exceeded`,
        description: `${scope} made ${n} requests in ${r.windowSec} s (${round2(n / r.windowSec)} req/s; peak ${s.peak}), over the limit of ${r.limit} + burst ${r.burst}.`,
        endpoint: s.endpoint,
        principal: s.principal,
        window: { start: s.first, end: input.ts },
        counts: { requests: s.total, requestsInWindow: n, peakInWindow: s.peak, limit: r.limit, burst: r.burst, ratePerSecX100: Math.round((s.peak / r.windowSec) * 100) },
        primary: 'requests',
        evidence: s.evidence,
        notes: [`rule ${r.name}: ${r.limit} per ${r.windowSec} s per ${r.per}`],
      });
    }
  }

  flush(nowSec: number): void {
    for (const c of this.#rules) {
      const limit = nowSec - c.rule.windowSec;
      c.keys.pruneOldest((s) => s.last < limit);
    }
  }

  stats(): DetectorStats {
    let size = 0;
    let hits = 0;
    for (const c of this.#rules) {
      size += c.keys.size;
      hits += c.keys.evictions;
    }
    return { name: this.name, stateSize: size, stateCap: this.#cap * this.#rules.length, capHits: hits };
  }
}
