/**
 * The shared Detector interface (issue 4 §2).
 *
 * Call order, driven by the DetectionEngine, all on one thread:
 *   observe(input, ctx)   once per transaction, in the replay's deterministic order;
 *                         the detector calls ctx.report(draft) for every episode
 *                         it wants to open or grow (the engine decides what is emitted);
 *   flush(nowSec)         at packet-time ticks and at the end: forget expired state;
 *   stats()               state size, cap and cap hits, for the summary.
 *
 * Detectors never read the wall clock and never throw on traffic; their state
 * is bounded (LruMap / DistinctWindow caps) and each cap hit is counted.
 *
 * Tenants (issue 6 §4): two mirrored tenants (VXLAN VNI, ERSPAN session, VLAN
 * ids: `DetectionInput.tenant`) may reuse the same addresses, credentials and
 * host names, so every state key a detector builds is tenant-qualified: keys
 * of principals come from `principalKey(input)`, keys of endpoints from
 * `endpointKey(input, ctx.endpoint)`, any other key (an account, a client
 * address, a host) goes through `tenantKey(input.tenant, key)`. For the
 * empty tenant (plain traffic) every such key is exactly the unqualified one,
 * so plain findings keep their ids. The engine also qualifies episode keys
 * and sets `Finding.tenant`.
 */
import type { EvidenceTransaction, FindingEndpoint, FindingPrincipal, FindingType, Severity } from '../findings/finding.js';
import type { DetectionInput } from './detection-input.js';
import { maskUri } from './mask-uri.js';

export interface DetectionContext {
  /** Endpoint of the transaction: host, method, learned path template. */
  readonly endpoint: FindingEndpoint;
  /** Template parameter values of the path: [name, decoded value], in path order. */
  readonly pathParams: readonly (readonly [string, string])[];
  /** Opens or grows an episode. */
  report(draft: FindingDraft): void;
}

/** What a detector reports; the engine adds id, seq, revision, capture health and the schema version. */
export interface FindingDraft {
  type: FindingType;
  /** Episode key within the type: equal keys (while the episode is active) update one finding. */
  key: string;
  severity: Severity;
  /** 0..1, before the capture-health adjustment. */
  confidence: number;
  /** OWASP API Security Top 10 2023 category; default by type (owasp.ts). */
  owaspApi?: string;
  title: string;
  description: string;
  endpoint: FindingEndpoint | null;
  principal: FindingPrincipal | null;
  window: { start: number; end: number };
  /** Named counts; `primary` names the one whose growth triggers a re-emission. */
  counts: Record<string, number>;
  primary: string;
  evidence: EvidenceTransaction[];
  notes: string[];
}

export interface DetectorStats {
  name: string;
  /** Entries currently held (principals, keys...). */
  stateSize: number;
  stateCap: number;
  /** Entries evicted or not remembered because a cap was reached. */
  capHits: number;
}

export interface Detector {
  readonly name: string;
  observe(input: DetectionInput, ctx: DetectionContext): void;
  flush(nowSec: number): void;
  stats(): DetectorStats;
}

/** Evidence reference of a transaction (masked target). */
export function evidenceOf(input: DetectionInput): EvidenceTransaction {
  return {
    uid: input.uid,
    transDepth: input.transDepth,
    ts: input.ts,
    method: input.method,
    uri: input.uri === null ? null : maskUri(input.uri),
    status: input.status,
  };
}

/** Keeps the first `cap - 1` samples and the latest one. */
export function addEvidence(list: EvidenceTransaction[], input: DetectionInput, cap = 5): void {
  const ev = evidenceOf(input);
  if (list.length < cap) list.push(ev);
  else list[cap - 1] = ev;
}

/** Principal as it goes into a finding (without the masked label). */
export function findingPrincipal(input: DetectionInput): FindingPrincipal {
  const p = input.principal;
  return { kind: p.kind, id: p.id, clientIp: p.clientIp };
}

/**
 * `key` qualified by a tenant tag: `key` itself for the empty tenant (plain
 * traffic keeps its keys and finding ids), else `${tenant}|${key}`. Tenant
 * tags (inventory/observed-transaction.ts `tenantOf`) contain no `|`.
 */
export function tenantKey(tenant: string, key: string): string {
  return tenant === '' ? key : `${tenant}|${key}`;
}

/** Tenant-qualified state key of the input's principal: `kind:id`, prefixed as `tenantKey` does. */
export function principalKey(input: DetectionInput): string {
  return tenantKey(input.tenant, `${input.principal.kind}:${input.principal.id}`);
}

/**
 * Tenant-qualified state key of an endpoint: `host method pathTemplate`
 * (`api.example.com POST /login`), prefixed as `tenantKey` does
 * (`vxlan:42|api.example.com POST /login`). For keys only; descriptions name
 * the endpoint without the tenant (the finding carries `tenant`).
 */
export function endpointKey(input: DetectionInput, ep: FindingEndpoint): string {
  return tenantKey(input.tenant, `${ep.host} ${ep.method} ${ep.pathTemplate}`);
}

/** Round to 2 decimals (stable JSON). */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
