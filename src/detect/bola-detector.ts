/**
 * Object-level enumeration, BOLA (issue 4 §2, OWASP API1:2023): one principal
 * touching `minDistinctIds` or more distinct object ids of one endpoint
 * template (the last path parameter) within the window. The finding reports
 * the longest sequential walk (consecutive integer ids), the share of 403/404
 * answers, and how many ids the principal was never given in an earlier
 * response (an id it could only have guessed).
 * Severity: medium; high when the walk is at least `minSequentialRun` long,
 * the denied share is at least 0.5, or 80 % of ids were never given.
 *
 * Keys are tenant-qualified (detector.ts `principalKey`, `endpointKey`).
 * State: LruMap of (principal, template) (cap `maxKeys`), each with a
 * DistinctWindow of ids (cap `maxIdsPerKey`); LruMap of ids given per
 * principal (cap `maxPrincipals`, each set capped at `maxIdsPerKey`).
 */
import type { EvidenceTransaction, FindingPrincipal } from '../findings/finding.js';
import type { DetectionInput } from './detection-input.js';
import { addEvidence, endpointKey, findingPrincipal, principalKey, round2, type DetectionContext, type Detector, type DetectorStats } from './detector.js';
import { LruMap } from './lru-map.js';
import { DistinctWindow, SlidingCounter } from './sliding-window.js';

export interface BolaOptions {
  /** Seconds. Default 300. */
  windowSec?: number;
  /** Default 20. */
  minDistinctIds?: number;
  /** Default 10. */
  minSequentialRun?: number;
  /** Default 50,000. */
  maxKeys?: number;
  /** Default 50,000. */
  maxPrincipals?: number;
  /** Default 1,000. */
  maxIdsPerKey?: number;
}

interface KeyState {
  principal: FindingPrincipal;
  ids: DistinctWindow<string>;
  requests: SlidingCounter;
  denied: SlidingCounter;
  notGiven: SlidingCounter;
  first: number;
  last: number;
  evidence: EvidenceTransaction[];
}

/** Longest run of consecutive integers among `ids` (non-integers ignored). */
export function longestSequentialRun(ids: Iterable<string>): number {
  const nums: number[] = [];
  for (const id of ids) if (/^\d{1,15}$/.test(id)) nums.push(Number(id));
  if (nums.length === 0) return 0;
  nums.sort((a, b) => a - b);
  let best = 1;
  let run = 1;
  for (let i = 1; i < nums.length; i++) {
    if (nums[i] === nums[i - 1]) continue;
    run = nums[i] === nums[i - 1]! + 1 ? run + 1 : 1;
    if (run > best) best = run;
  }
  return best;
}

export class BolaDetector implements Detector {
  readonly name = 'bola';
  readonly #o: Required<BolaOptions>;
  readonly #keys: LruMap<string, KeyState>;
  readonly #given: LruMap<string, Set<string>>;
  #idCapHits = 0;

  constructor(options: BolaOptions = {}) {
    this.#o = { windowSec: 300, minDistinctIds: 20, minSequentialRun: 10, maxKeys: 50_000, maxPrincipals: 50_000, maxIdsPerKey: 1_000, ...options };
    this.#keys = new LruMap(this.#o.maxKeys, (_k, s) => { this.#idCapHits += s.ids.capHits; });
    this.#given = new LruMap(this.#o.maxPrincipals);
  }

  observe(input: DetectionInput, ctx: DetectionContext): void {
    const o = this.#o;
    const pkey = principalKey(input);
    const last = ctx.pathParams[ctx.pathParams.length - 1];
    if (last && input.status !== null) {
      const id = last[1];
      const given = this.#given.peek(pkey);
      const key = `${pkey}|${endpointKey(input, ctx.endpoint)}`;
      const s = this.#keys.getOrCreate(key, () => ({
        principal: findingPrincipal(input), ids: new DistinctWindow<string>(o.windowSec, o.maxIdsPerKey),
        requests: new SlidingCounter(o.windowSec), denied: new SlidingCounter(o.windowSec), notGiven: new SlidingCounter(o.windowSec),
        first: input.ts, last: input.ts, evidence: [],
      }));
      const isNew = s.ids.add(id, input.ts);
      const requests = s.requests.add(input.ts);
      const denied = s.denied.add(input.ts, input.status === 403 || input.status === 404 ? 1 : 0);
      const notGiven = s.notGiven.add(input.ts, isNew && !(given?.has(id) ?? false) ? 1 : 0);
      s.last = input.ts;
      const distinct = s.ids.size(input.ts);
      if (distinct >= o.minDistinctIds) {
        if (isNew) addEvidence(s.evidence, input);
        const run = longestSequentialRun(s.ids.keys());
        const deniedRatio = round2(denied / requests);
        const notGivenRatio = round2(notGiven / distinct);
        const high = run >= o.minSequentialRun || deniedRatio >= 0.5 || notGivenRatio >= 0.8;
        ctx.report({
          type: 'bola_enumeration',
          key,
          severity: high ? 'high' : 'medium',
          confidence: high ? 0.85 : 0.6,
          title: 'Object id enumeration',
          description: `${input.principal.kind} ${input.principal.kind === 'ip' ? input.principal.clientIp : input.principal.id} requested ${distinct} distinct ids of ${ctx.endpoint.method} ${ctx.endpoint.pathTemplate} in ${o.windowSec} s`
            + `${run >= o.minSequentialRun ? ` (sequential walk of ${run})` : ''}; ${Math.round(deniedRatio * 100)} % answered 403/404, ${Math.round(notGivenRatio * 100)} % never given to it before.`,
          endpoint: ctx.endpoint,
          principal: s.principal,
          window: { start: s.first, end: input.ts },
          counts: { distinctIds: distinct, requestsInWindow: requests, denied, idsNeverGiven: notGiven, longestSequentialRun: run },
          primary: 'distinctIds',
          evidence: s.evidence,
          notes: [],
        });
      }
    }
    if (input.responseIds.length > 0) {
      let g = this.#given.get(pkey);
      if (!g) {
        g = new Set();
        this.#given.set(pkey, g);
      }
      for (const id of input.responseIds) {
        if (g.size >= o.maxIdsPerKey) {
          this.#idCapHits++;
          break;
        }
        g.add(id);
      }
    }
  }

  flush(nowSec: number): void {
    const limit = nowSec - this.#o.windowSec;
    this.#keys.pruneOldest((s) => s.last < limit);
  }

  stats(): DetectorStats {
    return {
      name: this.name,
      stateSize: this.#keys.size + this.#given.size,
      stateCap: this.#o.maxKeys + this.#o.maxPrincipals,
      capHits: this.#keys.evictions + this.#given.evictions + this.#idCapHits,
    };
  }
}
