/**
 * Endpoint ids and lookup for `apisensor inventory show ENDPOINT`.
 *
 * An endpoint id is the first 10 hex digits of SHA-256 over its key
 * (`${tenant}|${host} ${method} ${template}`): stable across runs and stores,
 * short enough to type. ENDPOINT may be
 *  - the id (or a unique prefix of at least 4 digits),
 *  - the key exactly,
 *  - `METHOD host/path`, where path is a template (`/users/{userId}`, any
 *    parameter names) or a concrete path (`/users/42`) that the learned
 *    templates map to that endpoint; `METHOD host` + `path` as two words too.
 */
import { createHash } from 'node:crypto';
import type { EndpointStats } from './endpoint-stats.js';
import type { PathTemplater } from './path-template.js';
import { normalizeSegment } from './spec-diff.js';

/** Stable short id of an endpoint key (10 lower-case hex digits). */
export function endpointId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 10);
}

function sameTemplate(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  return x.length === y.length && x.every((s, i) => normalizeSegment(s) === normalizeSegment(y[i]!));
}

/**
 * Endpoints that `query` designates (see the file docstring): one for a
 * unique match, several when ambiguous (e.g. the same host in two tenants),
 * none when nothing matches. `templater` maps concrete paths to templates.
 */
export function findEndpoints(endpoints: readonly EndpointStats[], query: string, templater?: PathTemplater): EndpointStats[] {
  const q = query.trim();
  const exact = endpoints.filter((e) => e.key === q);
  if (exact.length > 0) return exact;
  if (/^[0-9a-f]{4,10}$/i.test(q)) {
    const byId = endpoints.filter((e) => endpointId(e.key).startsWith(q.toLowerCase()));
    if (byId.length > 0) return byId;
  }
  const m = /^([A-Za-z]+)\s+(?:https?:\/\/)?([^/\s]+)\s*(\/\S*)?$/.exec(q);
  if (!m) return [];
  const method = m[1]!.toUpperCase();
  const host = m[2]!.toLowerCase();
  const path = (m[3] ?? '/').split('?')[0]!;
  const candidates = endpoints.filter((e) => e.method === method && e.host === host);
  const byTemplate = candidates.filter((e) => sameTemplate(e.pathTemplate, path));
  if (byTemplate.length > 0 || !templater) return byTemplate;
  return candidates.filter((e) => templater.templateFor(e.tenant, e.host, e.method, path).template === e.pathTemplate);
}
