/**
 * OpenAPI 3.1 export of the inventory (issue 3 §6).
 *
 * Shape: one path item per template (`{userId}`, `{fileName}.pdf` kept),
 * one operation per method with
 *  - `parameters`: path (required), query (required when present in every
 *    call), headers of interest and cookies (`in: cookie`), each with a schema
 *    from the observed value kinds;
 *  - `requestBody` and `responses` per status and media type with the merged
 *    JSON schema (JSON Schema 2020-12, the OpenAPI 3.1 dialect);
 *  - `security`, from the auth seen, with `{}` when unauthenticated calls were
 *    seen; the schemes go to `components.securitySchemes`;
 *  - `x-apisensor`: calls, first/last seen, status counts, latency
 *    percentiles, parameter explanations and data classes with masked
 *    examples only.
 * One document describes one API: one host, and one tenant when tunnelled
 * tenants exist (see openapi-scope.ts). Without `host`, the endpoints must
 * belong to one API; otherwise OpenApiScopeError (a UsageError, exit 2) is
 * thrown with the APIs to choose from. Operations of different hosts are
 * never merged into one path item.
 */
import { stringify } from 'yaml';
import { unauthenticatedRatio, type AuthSchemeStats } from './auth-detect.js';
import type { EndpointStats, ParamStats } from './endpoint-stats.js';
import { latencyPercentile } from './latency-sketch.js';
import type { ValueKind } from './message-fields.js';
import { selectOpenApiScope, type ScopeHint } from './openapi-scope.js';
import { toJsonSchema } from './schema-infer.js';

export interface OpenApiOptions {
  /** The API's host as stored (e.g. `api.example.com`); may be left out when the endpoints hold one host. */
  host?: string;
  /** The API's tenant as stored (e.g. `vxlan:101`); may be left out when the host is seen in one tenant. */
  tenant?: string;
  /** How error messages name the host/tenant choice (default: the CLI flags). */
  hint?: ScopeHint;
  title?: string;
  version?: string;
  /** URL scheme of `servers` entries. Default `http`. */
  scheme?: 'http' | 'https';
}

type Json = Record<string, unknown>;

const KIND_SCHEMA: Partial<Record<ValueKind, Json>> = {
  integer: { type: 'integer' },
  number: { type: 'number' },
  boolean: { type: 'boolean' },
  uuid: { type: 'string', format: 'uuid' },
  email: { type: 'string', format: 'email' },
  date: { type: 'string', format: 'date' },
  objectid: { type: 'string', pattern: '^[0-9a-fA-F]{24}$' },
  hex: { type: 'string', pattern: '^[0-9a-fA-F]+$' },
};

/** Schema for a parameter from its value kinds: the single kind's schema, else string. */
export function paramSchema(p: ParamStats): Json {
  const kinds = (Object.keys(p.kinds) as ValueKind[]).filter((k) => k !== 'empty');
  if (kinds.length === 1 && KIND_SCHEMA[kinds[0]!]) return { ...KIND_SCHEMA[kinds[0]!] };
  return { type: 'string' };
}

function schemeName(s: AuthSchemeStats): string {
  switch (s.scheme) {
    case 'basic':
      return 'basicAuth';
    case 'bearer_jwt':
      return 'bearerJwt';
    case 'bearer_opaque':
      return s.in === 'query' ? `queryToken_${s.name}` : 'bearerToken';
    default:
      return `${s.scheme === 'session_cookie' ? 'cookie' : s.in}_${s.name}`.replace(/[^A-Za-z0-9._-]/g, '_');
  }
}

function securityScheme(s: AuthSchemeStats): Json {
  switch (s.scheme) {
    case 'basic':
      return { type: 'http', scheme: 'basic' };
    case 'bearer_jwt':
      return { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
    case 'bearer_opaque':
      return s.in === 'query' ? { type: 'apiKey', in: 'query', name: s.name } : { type: 'http', scheme: 'bearer' };
    case 'other':
      return { type: 'http', scheme: (s.authScheme ?? 'unknown').toLowerCase() };
    default:
      return { type: 'apiKey', in: s.in, name: s.name };
  }
}

function content(byType: Record<string, { count: number; schema?: unknown; fields?: Record<string, number> }>): Json {
  const out: Json = {};
  for (const mt of Object.keys(byType).sort()) {
    const b = byType[mt]!;
    let schema: Json = {};
    if (b.schema) schema = toJsonSchema(b.schema as Parameters<typeof toJsonSchema>[0]);
    else if (b.fields) {
      const props: Json = {};
      for (const f of Object.keys(b.fields).sort()) props[f] = mt === 'multipart/form-data' ? {} : { type: 'string' };
      schema = { type: 'object', properties: props };
    }
    out[mt || 'application/octet-stream'] = { schema };
  }
  return out;
}

function round(n: number | null): number | null {
  return n === null ? null : Math.round(n * 1000) / 1000;
}

function operation(ep: EndpointStats, schemes: Json): Json {
  const parameters: Json[] = [];
  for (const p of ep.pathParams) {
    const stats = ep.pathParamStats[p.name];
    const schema: Json = stats ? paramSchema(stats) : { type: 'string' };
    parameters.push({ name: p.name, in: 'path', required: true, schema });
  }
  for (const name of Object.keys(ep.queryParams).sort()) {
    const q = ep.queryParams[name]!;
    parameters.push({ name, in: 'query', required: q.count >= ep.calls, schema: paramSchema(q) });
  }
  const authHeaders = new Set(Object.values(ep.auth.schemes).filter((s) => s.in === 'header').map((s) => s.name));
  for (const name of Object.keys(ep.headers).sort()) {
    if (authHeaders.has(name)) continue;
    parameters.push({ name, in: 'header', required: false, schema: paramSchema(ep.headers[name]!) });
  }
  const authCookies = new Set(Object.values(ep.auth.schemes).filter((s) => s.in === 'cookie').map((s) => s.name));
  for (const name of Object.keys(ep.cookies).sort()) {
    if (!authCookies.has(name)) parameters.push({ name, in: 'cookie', required: false, schema: { type: 'string' } });
  }
  const op: Json = { operationId: `${ep.method.toLowerCase()}_${ep.host}${ep.pathTemplate}`.replace(/[^A-Za-z0-9_]+/g, '_') };
  if (parameters.length > 0) op.parameters = parameters;
  const bodies = Object.fromEntries(Object.entries(ep.requestBodies).filter(([, b]) => b.count > 0));
  if (Object.keys(bodies).length > 0) op.requestBody = { content: content(bodies) };
  const responses: Json = {};
  for (const status of Object.keys(ep.statuses).sort()) {
    if (!/^[1-5]\d\d$/.test(status)) continue;
    const r: Json = { description: `Observed ${ep.statuses[status]} time(s)` };
    const byType = ep.responseBodies[status];
    if (byType && Object.keys(byType).length > 0) r.content = content(byType);
    responses[status] = r;
  }
  if (Object.keys(responses).length === 0) responses.default = { description: 'No response observed' };
  op.responses = responses;
  const security: Json[] = [];
  for (const s of Object.values(ep.auth.schemes).sort((a, b) => b.count - a.count)) {
    const name = schemeName(s);
    schemes[name] = securityScheme(s);
    if (!security.some((x) => name in x)) security.push({ [name]: [] });
  }
  if (security.length > 0) {
    if (ep.auth.unauthenticated > 0) security.push({});
    op.security = security;
  }
  op['x-apisensor'] = {
    calls: ep.calls,
    firstSeen: ep.firstSeen,
    lastSeen: ep.lastSeen,
    statuses: ep.statuses,
    latencyMs: { p50: round(latencyPercentile(ep.latency, 0.5)), p95: round(latencyPercentile(ep.latency, 0.95)), p99: round(latencyPercentile(ep.latency, 0.99)) },
    unauthenticatedRatio: unauthenticatedRatio(ep.auth),
    pathParams: ep.pathParams,
    dataClasses: Object.keys(ep.dataClasses).sort().map((k) => {
      const d = ep.dataClasses[k]!;
      return { kind: d.kind, category: d.category, location: d.location, count: d.count, examples: d.examples.map((e) => e.masked) };
    }),
  };
  return op;
}

/**
 * OpenAPI 3.1.0 document (plain object) of one API among the endpoints given
 * (e.g. `inventory.endpoints()`), selected by `options.host` / `options.tenant`.
 * Throws OpenApiScopeError when no single API is selected (several hosts or
 * tenants without a choice, an unknown host, no endpoints).
 */
export function toOpenApi(endpoints: readonly EndpointStats[], options: OpenApiOptions = {}): Json {
  const scheme = options.scheme ?? 'http';
  const scope = { ...(options.host === undefined ? {} : { host: options.host }), ...(options.tenant === undefined ? {} : { tenant: options.tenant }) };
  const { api, endpoints: eps } = selectOpenApiScope(endpoints, scope, options.hint);
  const schemes: Json = {};
  const paths: Record<string, Json> = {};
  for (const ep of [...eps].sort((a, b) => b.calls - a.calls || (a.key < b.key ? -1 : 1))) {
    if (ep.pathTemplate === '*' || !ep.pathTemplate.startsWith('/')) continue;
    const method = ep.method.toLowerCase();
    if (!['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'].includes(method)) continue;
    // One API: (method, template) is unique, as it is part of the endpoint key.
    const item = (paths[ep.pathTemplate] ??= {});
    item[method] = operation(ep, schemes);
  }
  const sortedPaths: Json = {};
  for (const p of Object.keys(paths).sort()) sortedPaths[p] = paths[p];
  const doc: Json = {
    openapi: '3.1.0',
    info: {
      title: options.title ?? (options.host ? `${options.host} (observed by apisensor)` : 'APIs observed by apisensor'),
      version: options.version ?? '0.0.0-observed',
    },
  };
  const server: Json = { url: `${scheme}://${api.host}` };
  if (api.tenant) server.description = `tenant ${api.tenant}`;
  doc.servers = [server];
  doc.paths = sortedPaths;
  if (Object.keys(schemes).length > 0) {
    const sorted: Json = {};
    for (const k of Object.keys(schemes).sort()) sorted[k] = schemes[k];
    doc.components = { securitySchemes: sorted };
  }
  return doc;
}

/** The same document as YAML text. Throws as toOpenApi. */
export function toOpenApiYaml(endpoints: readonly EndpointStats[], options: OpenApiOptions = {}): string {
  return openApiYaml(toOpenApi(endpoints, options));
}

/** YAML text of a document from toOpenApi (no anchors/aliases). */
export function openApiYaml(doc: Record<string, unknown>): string {
  return stringify(doc, { aliasDuplicateObjects: false });
}
