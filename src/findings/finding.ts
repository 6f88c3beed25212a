/**
 * Finding: what apisensor tells a person or a collector. One finding per
 * episode (a credential-stuffing run, an id walk...), re-emitted with a higher
 * `revision` as the episode grows; every emission gets the next `seq` of the
 * sensor run. The same object goes to every sink (JSONL, WebSocket, HTTP API).
 * The versioned JSON Schema is `src/findings/finding.schema.json`.
 *
 * Times are packet time, seconds since the Unix epoch. Principals are hashed,
 * never raw; evidence URIs and values are masked.
 *
 * Tenant (issue 6 §4): a finding about mirrored/tagged traffic carries
 * `tenant`, the tunnel/VLAN tag of its transactions in the inventory's form
 * (inventory/observed-transaction.ts `tenantOf`: `vxlan:101`, `vlan:10.20`,
 * `geneve:7/vlan:10`). It is a top-level field, not part of `endpoint`,
 * because findings without an endpoint (bad_bot, scanning) have a tenant too;
 * it qualifies `endpoint` and `principal` alike (principal ids are then
 * tenant-qualified as well: detect/principal.ts). It is absent for plain
 * traffic, whose findings are byte-identical to those before the field
 * existed. Schema version stays 1: the change is additive and optional, every
 * finding valid before is valid and unchanged now; only a consumer that
 * validates tunnelled findings against an older copy of the schema
 * (`additionalProperties: false`) must take the current file.
 */
export const FINDING_SCHEMA_VERSION = 1;

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = Object.freeze({
  info: 0, low: 1, medium: 2, high: 3, critical: 4,
});

export type FindingType =
  | 'credential_stuffing'
  | 'brute_force'
  | 'account_takeover'
  | 'rate_limit_exceeded'
  | 'bola_enumeration'
  | 'scanning'
  | 'injection_attempt'
  | 'sensitive_data_exposure'
  | 'weak_auth'
  | 'bad_bot'
  | 'shadow_api';

export type PrincipalKind = 'api_key' | 'jwt_sub' | 'session' | 'basic_user' | 'ip';

export interface FindingPrincipal {
  kind: PrincipalKind;
  /** Salted hash of the credential (or the IP address itself for kind `ip`). */
  id: string;
  /** Client address the calls came from (after trusted-proxy resolution). */
  clientIp: string;
}

export interface FindingEndpoint {
  host: string;
  method: string;
  pathTemplate: string;
}

export interface EvidenceTransaction {
  /** Connection uid and transaction depth: the key into `--transactions` output. */
  uid: string;
  transDepth: number;
  ts: number;
  method: string | null;
  /** Masked request target. */
  uri: string | null;
  status: number | null;
}

export interface CaptureHealth {
  /** TCP gaps and bytes skipped in the finding's window. */
  gaps: number;
  gapBytes: number;
  /** Packets dropped by the capture (live capture) in the window. */
  drops: number;
  midstreamFlows: number;
  /** False when missing data could hide or distort this episode; confidence is lowered then. */
  complete: boolean;
}

export interface Finding {
  schemaVersion: typeof FINDING_SCHEMA_VERSION;
  /** Stable id of the episode. */
  id: string;
  /** Sensor-run sequence number of this emission; strictly increasing. */
  seq: number;
  /** 1 for the first emission of an episode, +1 per update. */
  revision: number;
  type: FindingType;
  severity: Severity;
  /** 0..1. */
  confidence: number;
  /** OWASP API Security Top 10 2023 category, e.g. `API2:2023`. */
  owaspApi: string;
  title: string;
  /** Why this fired, in a sentence a person can act on. */
  description: string;
  endpoint: FindingEndpoint | null;
  principal: FindingPrincipal | null;
  /** Tunnel/VLAN tenant tag (`vxlan:101`); absent for plain traffic. Serialized after `captureHealth`. */
  tenant?: string;
  window: { start: number; end: number };
  counts: Record<string, number>;
  evidence: { transactions: EvidenceTransaction[]; notes: string[] };
  captureHealth: CaptureHealth;
}
