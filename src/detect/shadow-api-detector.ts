/**
 * Shadow API first seen (issue 4 §2, OWASP API9:2023): with an OpenAPI spec
 * loaded (inventory/spec-diff.ts `loadSpecFile`), the first successful
 * (status < 400) call of an endpoint that no spec operation matches (same
 * method, a server of the operation covering the host, `matchScore` ≥ 0:
 * spec-diff.ts `findOperation`) opens a finding; later calls grow it.
 * Endpoints of hosts outside the spec's `servers` (`specCoversHost` false)
 * are not the spec's API and never shadow. Without a spec this detector
 * does nothing. Severity medium (low for HEAD/OPTIONS).
 * State: LruMap of (tenant-qualified) endpoints already classified (cap `maxEndpoints`).
 */
import type { EvidenceTransaction } from '../findings/finding.js';
import { findOperation, specCoversHost, type LoadedSpec } from '../inventory/spec-diff.js';
import type { DetectionInput } from './detection-input.js';
import { addEvidence, endpointKey, type DetectionContext, type Detector, type DetectorStats } from './detector.js';
import { LruMap } from './lru-map.js';

export interface ShadowApiOptions {
  spec?: LoadedSpec | null;
  /** Default 20,000. */
  maxEndpoints?: number;
}

interface EndpointState {
  shadow: boolean;
  calls: number;
  clients: Set<string>;
  first: number;
  evidence: EvidenceTransaction[];
}

export class ShadowApiDetector implements Detector {
  readonly name = 'shadow-api';
  readonly #spec: LoadedSpec | null;
  readonly #max: number;
  readonly #endpoints: LruMap<string, EndpointState>;

  constructor(options: ShadowApiOptions = {}) {
    this.#spec = options.spec ?? null;
    this.#max = options.maxEndpoints ?? 20_000;
    this.#endpoints = new LruMap(this.#max);
  }

  /** Shadow: the spec covers the host and no operation matches. */
  #shadow(host: string, method: string, template: string): boolean {
    const spec = this.#spec!;
    return specCoversHost(spec, host) && findOperation(spec, host, method, template) === null;
  }

  observe(input: DetectionInput, ctx: DetectionContext): void {
    if (!this.#spec || input.status === null || input.status >= 400) return;
    const ep = ctx.endpoint;
    const key = endpointKey(input, ep);
    const s = this.#endpoints.getOrCreate(key, () => ({ shadow: this.#shadow(ep.host, ep.method, ep.pathTemplate), calls: 0, clients: new Set(), first: input.ts, evidence: [] }));
    if (!s.shadow) return;
    s.calls++;
    if (s.clients.size < 1000) s.clients.add(input.principal.clientIp);
    addEvidence(s.evidence, input);
    ctx.report({
      type: 'shadow_api',
      key,
      severity: ep.method === 'HEAD' || ep.method === 'OPTIONS' ? 'low' : 'medium',
      confidence: 0.7,
      title: 'Undocumented endpoint in use',
      description: `${ep.host} ${ep.method} ${ep.pathTemplate} answered ${s.calls} call(s) from ${s.clients.size} client(s) but is not in the API specification.`,
      endpoint: ep,
      principal: null,
      window: { start: s.first, end: input.ts },
      counts: { calls: s.calls, clients: s.clients.size },
      primary: 'calls',
      evidence: s.evidence,
      notes: [],
    });
  }

  flush(_nowSec: number): void {
    // Endpoints are remembered for the run (bounded by the LRU cap).
  }

  stats(): DetectorStats {
    return { name: this.name, stateSize: this.#endpoints.size, stateCap: this.#max, capHits: this.#endpoints.evictions };
  }
}
