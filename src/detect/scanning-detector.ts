/**
 * Scanning / forced browsing (issue 4 §2, OWASP API9:2023): one source
 * (principal) receiving 404 (or 405/410) for `minDistinctPaths` or more
 * distinct paths within the window. Severity medium; high from
 * `highDistinctPaths`. State: LruMap of tenant-qualified sources (cap `maxSources`), each a
 * DistinctWindow of path hashes (cap `maxPathsPerSource`).
 */
import type { EvidenceTransaction, FindingPrincipal } from '../findings/finding.js';
import { fnv1a32, pathOfTarget } from '../inventory/path-template.js';
import type { DetectionInput } from './detection-input.js';
import { addEvidence, findingPrincipal, principalKey, type DetectionContext, type Detector, type DetectorStats } from './detector.js';
import { LruMap } from './lru-map.js';
import { DistinctWindow, SlidingCounter } from './sliding-window.js';

export interface ScanningOptions {
  /** Seconds. Default 300. */
  windowSec?: number;
  /** Default 20. */
  minDistinctPaths?: number;
  /** Default 200. */
  highDistinctPaths?: number;
  /** Default 50,000. */
  maxSources?: number;
  /** Default 2,000. */
  maxPathsPerSource?: number;
}

interface SourceState {
  principal: FindingPrincipal;
  paths: DistinctWindow<number>;
  requests: SlidingCounter;
  notFound: number;
  first: number;
  last: number;
  evidence: EvidenceTransaction[];
}

export class ScanningDetector implements Detector {
  readonly name = 'scanning';
  readonly #o: Required<ScanningOptions>;
  readonly #sources: LruMap<string, SourceState>;

  constructor(options: ScanningOptions = {}) {
    this.#o = { windowSec: 300, minDistinctPaths: 20, highDistinctPaths: 200, maxSources: 50_000, maxPathsPerSource: 2_000, ...options };
    this.#sources = new LruMap(this.#o.maxSources);
  }

  observe(input: DetectionInput, ctx: DetectionContext): void {
    const o = this.#o;
    const key = principalKey(input);
    const miss = input.status === 404 || input.status === 405 || input.status === 410;
    const s = miss ? this.#sources.getOrCreate(key, () => ({
      principal: findingPrincipal(input), paths: new DistinctWindow<number>(o.windowSec, o.maxPathsPerSource),
      requests: new SlidingCounter(o.windowSec), notFound: 0, first: input.ts, last: input.ts, evidence: [],
    })) : this.#sources.peek(key);
    if (!s) return;
    const requests = s.requests.add(input.ts);
    s.last = input.ts;
    if (!miss || input.uri === null) return;
    s.notFound++;
    s.paths.add(fnv1a32(`${ctx.endpoint.host} ${pathOfTarget(input.uri)}`), input.ts);
    const distinct = s.paths.size(input.ts);
    if (distinct < o.minDistinctPaths) return;
    addEvidence(s.evidence, input);
    ctx.report({
      type: 'scanning',
      key,
      severity: distinct >= o.highDistinctPaths ? 'high' : 'medium',
      confidence: 0.8,
      title: 'Forced browsing / path scanning',
      description: `${input.principal.kind === 'ip' ? input.principal.clientIp : `${input.principal.kind} ${input.principal.id}`} got 'not found' for ${distinct} distinct paths in ${o.windowSec} s (${requests} requests in the window).`,
      endpoint: null,
      principal: s.principal,
      window: { start: s.first, end: input.ts },
      counts: { distinctNotFoundPaths: distinct, notFound: s.notFound, requestsInWindow: requests },
      primary: 'notFound',
      evidence: s.evidence,
      notes: [],
    });
  }

  flush(nowSec: number): void {
    const limit = nowSec - this.#o.windowSec;
    this.#sources.pruneOldest((s) => s.last < limit);
  }

  stats(): DetectorStats {
    let hits = this.#sources.evictions;
    for (const s of this.#sources.values()) hits += s.paths.capHits;
    return { name: this.name, stateSize: this.#sources.size, stateCap: this.#o.maxSources, capHits: hits };
  }
}
