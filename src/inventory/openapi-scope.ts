/**
 * Which API one OpenAPI document describes.
 *
 * An OpenAPI 3.1 document describes one API: its `paths` are relative to the
 * document's `servers`, and a path item holds at most one operation per
 * method (OpenAPI 3.1.0 §4.8.8, §4.8.9). The inventory keys endpoints by
 * `tenant | host method template`, so one API is one (tenant, host) pair: the
 * same template on two hosts (or on one host address in two mirrored tenants)
 * is two different operations and cannot share a path item.
 *
 * `selectOpenApiScope` picks the endpoints of exactly one API, given an
 * optional host and tenant; it throws OpenApiScopeError (a UsageError, exit
 * 2) when the choice is empty or ambiguous, with the APIs the inventory holds
 * so the caller can list them.
 */
import { UsageError } from '../errors.js';
import type { EndpointStats } from './endpoint-stats.js';

/** One API of the inventory: a host (as `EndpointStats.host`) within a tenant (`''`: untunnelled, untagged). */
export interface ApiScope {
  host: string;
  tenant: string;
}

export interface OpenApiScopeOptions {
  /** Host as stored (lower case, default port removed, e.g. `api.example.com`, `10.0.0.1:8080`). */
  host?: string;
  /** Tenant as stored (e.g. `vxlan:101`, `vlan:10`; `''` for untunnelled traffic). */
  tenant?: string;
}

/**
 * Why no single API was selected:
 * - `ERR_OPENAPI_HOST_REQUIRED`: the endpoints left span several APIs (name one with a host, and a tenant);
 * - `ERR_OPENAPI_UNKNOWN_HOST`: no endpoint has the host (and tenant) asked for;
 * - `ERR_OPENAPI_EMPTY`: the inventory holds no endpoint at all.
 */
export type OpenApiScopeCode = 'ERR_OPENAPI_HOST_REQUIRED' | 'ERR_OPENAPI_UNKNOWN_HOST' | 'ERR_OPENAPI_EMPTY';

/** No single API to export. `apis` lists every API of the inventory (sorted by host, then tenant). */
export class OpenApiScopeError extends UsageError {
  readonly apis: readonly ApiScope[];

  constructor(code: OpenApiScopeCode, message: string, apis: readonly ApiScope[]) {
    super(message, code);
    this.name = 'OpenApiScopeError';
    this.apis = apis;
  }

  /** Distinct host names of `apis`, sorted. */
  get hosts(): string[] {
    return [...new Set(this.apis.map((a) => a.host))].sort();
  }
}

/** `api.example.com`, or `10.78.0.1 (tenant vxlan:101)` when tunnelled or tagged. */
export function formatApiScope(a: ApiScope): string {
  return a.tenant ? `${a.host} (tenant ${a.tenant})` : a.host;
}

/** The distinct (host, tenant) pairs of `endpoints`, sorted by host then tenant. */
export function listApis(endpoints: readonly EndpointStats[]): ApiScope[] {
  const seen = new Map<string, ApiScope>();
  for (const e of endpoints) {
    const k = `${e.host}\u0000${e.tenant}`;
    if (!seen.has(k)) seen.set(k, { host: e.host, tenant: e.tenant });
  }
  return [...seen.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
}

function describe(scope: OpenApiScopeOptions): string {
  const host = scope.host ?? '*';
  return scope.tenant === undefined ? `host ${host}` : `host ${host} in tenant '${scope.tenant}'`;
}

/** How the caller names the choices in messages: CLI flags by default, e.g. `{ host: 'host=H', tenant: 'tenant=T' }` for a URL. */
export interface ScopeHint {
  host: string;
  tenant: string;
}

const CLI_HINT: ScopeHint = { host: '--host H', tenant: '--tenant T' };

/**
 * The one API selected by `options` and its endpoints (in input order).
 * Without a host, an inventory of one API selects it; `hint` names the
 * choices in the messages that ask for one.
 *
 * Throws OpenApiScopeError as described on OpenApiScopeCode; messages are one
 * line and list the APIs.
 */
export function selectOpenApiScope(
  endpoints: readonly EndpointStats[],
  options: OpenApiScopeOptions = {},
  hint: ScopeHint = CLI_HINT,
): { api: ApiScope; endpoints: EndpointStats[] } {
  const all = listApis(endpoints);
  const listed = all.map(formatApiScope).join(', ');
  if (all.length === 0) throw new OpenApiScopeError('ERR_OPENAPI_EMPTY', 'the inventory has no endpoints to export', all);
  const picked = endpoints.filter((e) => (options.host === undefined || e.host === options.host) && (options.tenant === undefined || e.tenant === options.tenant));
  const apis = listApis(picked);
  if (apis.length === 0) {
    throw new OpenApiScopeError('ERR_OPENAPI_UNKNOWN_HOST', `no endpoint of ${describe(options)} in the inventory; it holds ${all.length} API(s): ${listed}`, all);
  }
  if (apis.length > 1) {
    const hosts = new Set(apis.map((a) => a.host)).size;
    const which = hosts === 1 ? `host ${apis[0]!.host} is in ${apis.length} tenants` : options.tenant !== undefined ? `tenant '${options.tenant}' holds ${apis.length} APIs` : `the inventory holds ${apis.length} APIs`;
    // A tenant is needed only when some host is seen in several tenants.
    const choose = hosts === 1 ? hint.tenant : hosts < apis.length ? `${hint.host} and ${hint.tenant}` : hint.host;
    throw new OpenApiScopeError('ERR_OPENAPI_HOST_REQUIRED', `${which} and an OpenAPI document describes one: choose one with ${choose}; APIs: ${apis.map(formatApiScope).join(', ')}`, all);
  }
  return { api: apis[0]!, endpoints: picked };
}
