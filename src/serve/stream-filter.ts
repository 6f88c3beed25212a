/**
 * StreamFilter: what a subscriber wants from the bus. Given at connect as a
 * query string (`/v1/stream?minSeverity=high&type=brute_force,scanning&host=api.example.com`)
 * or later in a subscribe message (`{"type":"subscribe","filter":{...}}`).
 *
 * Fields (all optional; an absent or empty list matches everything):
 *  - `minSeverity`: lowest severity delivered (`info` < `low` < `medium` < `high` < `critical`);
 *    query alias `severity`. Findings only.
 *  - `types`: finding types (query `type`, repeatable or comma-separated). Findings only.
 *  - `hosts`: endpoint hosts, exact, case-insensitive (query `host`). A finding without endpoint never matches a host filter.
 *  - `endpoints`: `METHOD /path/template` or `/path/template` (any method) (query `endpoint`).
 *  - `channels`: `findings`, `inventory` (query `channel`). Default: findings only.
 *
 * Errors: FilterError `ERR_BAD_FILTER` for an unknown severity, type or channel, or a value of the wrong shape.
 */
import { ApisensorError } from '../errors.js';
import { SEVERITY_RANK, type FindingType, type Severity } from '../findings/finding.js';
import type { BusChannel, BusMessage } from '../findings/finding-bus.js';

export interface StreamFilter {
  minSeverity?: Severity;
  types?: string[];
  hosts?: string[];
  endpoints?: string[];
  channels?: BusChannel[];
}

export const FINDING_TYPES: readonly FindingType[] = [
  'credential_stuffing', 'brute_force', 'account_takeover', 'rate_limit_exceeded', 'bola_enumeration', 'scanning',
  'injection_attempt', 'sensitive_data_exposure', 'weak_auth', 'bad_bot', 'shadow_api',
];
const CHANNELS: readonly BusChannel[] = ['findings', 'inventory'];
/** Caps on filter sizes, so a client cannot make matching expensive. */
const MAX_LIST = 256;
const MAX_VALUE_CHARS = 1024;

export class FilterError extends ApisensorError {
  constructor(message: string) {
    super('ERR_BAD_FILTER', message, 2);
    this.name = 'FilterError';
  }
}

/** A validated filter, compiled for matching. */
export interface CompiledFilter {
  readonly spec: Readonly<StreamFilter>;
  matches(msg: BusMessage): boolean;
  /**
   * The checks that need only a message's channel, severity and type (the
   * stream worker has those without parsing the message); `needsMessage`
   * tells whether `matches` must run as well (host / endpoint filters).
   */
  matchesHead(channel: BusChannel, severity: Severity | null, type: string | null): boolean;
  readonly needsMessage: boolean;
}

function list(name: string, v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const arr = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(arr)) throw new FilterError(`${name}: expected a string or an array of strings`);
  const out: string[] = [];
  for (const item of arr) {
    if (typeof item !== 'string' || item.length > MAX_VALUE_CHARS) throw new FilterError(`${name}: expected strings of at most ${MAX_VALUE_CHARS} characters`);
    for (const part of item.split(',')) if (part.trim() !== '') out.push(part.trim());
  }
  if (out.length > MAX_LIST) throw new FilterError(`${name}: at most ${MAX_LIST} values`);
  return out.length > 0 ? out : undefined;
}

/** Validate a filter object (from JSON / msgpack or from `parseFilterQuery`). */
export function validateFilter(raw: unknown): StreamFilter {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new FilterError('filter: expected an object');
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!['minSeverity', 'types', 'hosts', 'endpoints', 'channels'].includes(k)) throw new FilterError(`filter: unknown field '${k}'`);
  }
  const out: StreamFilter = {};
  if (r.minSeverity !== undefined && r.minSeverity !== null) {
    if (typeof r.minSeverity !== 'string' || !Object.hasOwn(SEVERITY_RANK, r.minSeverity)) {
      throw new FilterError(`minSeverity: expected one of ${Object.keys(SEVERITY_RANK).join(', ')}`);
    }
    out.minSeverity = r.minSeverity as Severity;
  }
  const types = list('types', r.types);
  if (types) {
    for (const t of types) if (!(FINDING_TYPES as readonly string[]).includes(t)) throw new FilterError(`types: unknown finding type '${t}'`);
    out.types = types;
  }
  const hosts = list('hosts', r.hosts);
  if (hosts) out.hosts = hosts.map((h) => h.toLowerCase());
  const endpoints = list('endpoints', r.endpoints);
  if (endpoints) out.endpoints = endpoints;
  const channels = list('channels', r.channels);
  if (channels) {
    for (const c of channels) if (!(CHANNELS as readonly string[]).includes(c)) throw new FilterError(`channels: unknown channel '${c}' (findings, inventory)`);
    out.channels = channels as BusChannel[];
  }
  return out;
}

/** Filter from URL query parameters (see the file docstring for the names). */
export function parseFilterQuery(q: URLSearchParams): StreamFilter {
  const all = (name: string): string[] | undefined => (q.has(name) ? q.getAll(name) : undefined);
  return validateFilter({
    minSeverity: q.get('minSeverity') ?? q.get('severity') ?? undefined,
    types: all('type'),
    hosts: all('host'),
    endpoints: all('endpoint'),
    channels: all('channel'),
  });
}

function endpointMatcher(entries: string[]): (method: string, template: string) => boolean {
  const parsed = entries.map((e) => {
    const sp = e.indexOf(' ');
    return sp > 0 && !e.startsWith('/') ? { method: e.slice(0, sp).toUpperCase(), path: e.slice(sp + 1).trim() } : { method: null, path: e };
  });
  return (method, template) => parsed.some((p) => p.path === template && (p.method === null || p.method === method.toUpperCase()));
}

/** Compile a validated filter. */
export function compileFilter(spec: StreamFilter): CompiledFilter {
  const channels = new Set<BusChannel>(spec.channels ?? ['findings']);
  const minRank = spec.minSeverity ? SEVERITY_RANK[spec.minSeverity] : 0;
  const types = spec.types ? new Set(spec.types) : null;
  const hosts = spec.hosts ? new Set(spec.hosts) : null;
  const endpoint = spec.endpoints ? endpointMatcher(spec.endpoints) : null;
  const frozen = Object.freeze({ ...spec });
  return {
    spec: frozen,
    needsMessage: hosts !== null || endpoint !== null,
    matchesHead(channel, severity, type): boolean {
      if (!channels.has(channel)) return false;
      if (channel !== 'findings') return true;
      if (minRank > 0 && (severity === null || SEVERITY_RANK[severity] < minRank)) return false;
      if (types && (type === null || !types.has(type))) return false;
      return true;
    },
    matches(msg: BusMessage): boolean {
      if (!channels.has(msg.channel)) return false;
      const ep = msg.channel === 'findings' ? msg.finding.endpoint : msg.endpoint;
      if (msg.channel === 'findings') {
        if (SEVERITY_RANK[msg.finding.severity] < minRank) return false;
        if (types && !types.has(msg.finding.type)) return false;
      }
      if (hosts && (!ep || !hosts.has(ep.host.toLowerCase()))) return false;
      if (endpoint && (!ep || !endpoint(ep.method, ep.pathTemplate))) return false;
      return true;
    },
  };
}
