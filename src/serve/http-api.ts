/**
 * HttpApi: the read-only HTTP API served next to the stream (node:http, GET
 * and HEAD only; JSON bodies; errors as in http-errors.ts).
 *
 * | route                                   | auth            | body                                                      |
 * |-----------------------------------------|-----------------|-----------------------------------------------------------|
 * | `/`                                     | none            | the dashboard page (it asks for a token itself)           |
 * | `/healthz`                              | `healthAuth`    | `{status:'ok'}`                                           |
 * | `/readyz`                               | `healthAuth`    | `{status:'ready'}`, or 503 ERR_NOT_READY                  |
 * | `/metrics`                              | `metricsAuth`   | Prometheus text exposition 0.0.4                          |
 * | `/v1/findings?since=&type=&minSeverity=&limit=` | token   | `{findings, gap, lastSeq, nextSince}` from the ring, and the store beyond it |
 * | `/v1/stats`                             | token           | `{packets, transactions, findings, lastSeq, clients}` totals |
 * | `/v1/inventory?host=`                   | token           | `{endpoints:[EndpointSummary]}`                           |
 * | `/v1/endpoints/{id}`                    | token           | `EndpointStats` + `id` + `specStatus`                     |
 * | `/v1/openapi?host=H&tenant=T&format=json|yaml` | token    | OpenAPI 3.1 document of one API (host; tenant if several); 400 ERR_HOST_REQUIRED without `host` on several |
 *
 * `/v1/findings`: `since` (seq, default 0) returns findings with a larger seq,
 * oldest first, at most `limit` (default and max 1,000); `type` (repeatable or
 * comma-separated) and `minSeverity` (the lowest severity returned; `severity`
 * is an alias kept for old clients) filter; `gap` is `{from,to}` when
 * seqs after `since` are no longer held, else null; `nextSince` is the seq to
 * ask from next. Endpoint ids are the first 16 hex digits of SHA-256 of the
 * endpoint key. Inventory routes answer 501 ERR_INVENTORY_UNAVAILABLE when no
 * inventory is attached. A `/v1/` route refuses a query parameter it does not
 * take (a typo such as `minseverity` would otherwise widen the answer
 * silently): 400 ERR_BAD_PARAM `unknown query parameter 'x' (takes: ...)`.
 */
import { endpointId } from '../inventory/endpoint-lookup.js';
import type { BusMessage, FindingBus } from '../findings/finding-bus.js';
import type { Finding } from '../findings/finding.js';
import type { FindingsStore } from '../findings/findings-store.js';
import type { EndpointStats } from '../inventory/endpoint-stats.js';
import { openApiYaml, toOpenApi } from '../inventory/openapi-export.js';
import { OpenApiScopeError } from '../inventory/openapi-scope.js';
import { diffAgainstSpec, type LoadedSpec } from '../inventory/spec-diff.js';
import { specMarks, type SpecMark } from '../inventory/inventory-format.js';
import type { ApiRequest, ApiResponse } from './buffered-response.js';
import { DASHBOARD_HTML } from './dashboard-page.js';
import { HTTP_ERROR_STATUS, HttpError, sendError } from './http-errors.js';
import type { MetricsRegistry } from './metrics-registry.js';
import type { RequestGuard } from './request-guard.js';
import { compileFilter, FilterError, parseFilterQuery } from './stream-filter.js';

/** What the API needs of an inventory (an EndpointInventory fits). */
export interface InventorySource {
  endpoints(): EndpointStats[];
}

/** An endpoint's status against the loaded spec (inventory-format.ts `specMarks`). */
export type SpecStatus = SpecMark;

export interface EndpointSummary {
  id: string;
  key: string;
  host: string;
  method: string;
  pathTemplate: string;
  calls: number;
  firstSeen: number | null;
  lastSeen: number | null;
  statuses: Record<string, number>;
  authSchemes: string[];
  unauthenticated: number;
  dataClasses: { kind: string; category: string; location: string; count: number }[];
  /** Against the loaded spec; null without a spec. */
  specStatus: SpecStatus | null;
}

export interface HttpApiOptions {
  bus: FindingBus;
  metrics: MetricsRegistry;
  guard: RequestGuard;
  inventory: InventorySource | null;
  spec: LoadedSpec | null;
  metricsAuth: boolean;
  healthAuth: boolean;
  ready: () => boolean;
  /** Findings older than the bus ring (null: beyond the ring is a gap). */
  store?: FindingsStore | null;
  /** Extra values for `/v1/stats` (e.g. stream clients). */
  stats: () => Record<string, number>;
}

const MAX_PAGE = 1000;

/** The query parameters each `/v1/` route takes; any other is a 400 ERR_BAD_PARAM. */
const ROUTE_PARAMS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  '/v1/findings': ['since', 'limit', 'type', 'minSeverity', 'severity'],
  '/v1/stats': [],
  '/v1/inventory': ['host'],
  '/v1/endpoints/{id}': [],
  '/v1/openapi': ['host', 'tenant', 'format'],
});

/** @throws HttpError ERR_BAD_PARAM for the first parameter `route` does not take. */
function checkParams(route: string, q: URLSearchParams): void {
  const allowed = ROUTE_PARAMS[route];
  if (allowed === undefined) return;
  for (const name of q.keys()) {
    if (!allowed.includes(name)) {
      throw new HttpError('ERR_BAD_PARAM', `unknown query parameter '${name}' (${allowed.length > 0 ? `takes: ${allowed.join(', ')}` : 'takes none'})`);
    }
  }
}

/** The same endpoint id as `apisensor inventory list` (one definition: inventory/endpoint-lookup.ts). */
export { endpointId };

function sendJson(res: ApiResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

function sendText(res: ApiResponse, contentType: string, text: string): void {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

function intParam(q: URLSearchParams, name: string, dflt: number, max: number): number {
  const v = q.get(name);
  if (v === null) return dflt;
  if (!/^\d{1,15}$/.test(v)) throw new HttpError('ERR_BAD_PARAM', `${name}: expected an integer ≥ 0`);
  return Math.min(Number(v), max);
}

export class HttpApi {
  readonly #o: HttpApiOptions;

  constructor(options: HttpApiOptions) {
    this.#o = options;
  }

  /** Route one request (never throws; errors become JSON responses). */
  async handle(req: ApiRequest, res: ApiResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = this.#routeName(url.pathname);
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError('ERR_METHOD_NOT_ALLOWED', `${req.method} is not allowed`);
      await this.#dispatch(req, res, url);
    } catch (err) {
      if (err instanceof HttpError) sendError(res, err.code, err.message);
      else if (err instanceof FilterError) sendError(res, 'ERR_BAD_FILTER', err.message);
      else if (!res.headersSent) sendError(res, 'ERR_INTERNAL', 'internal error');
      else res.destroy();
    }
    this.#o.metrics.httpRequests.inc({ route, status: String(res.statusCode) });
  }

  #routeName(path: string): string {
    if (path.startsWith('/v1/endpoints/')) return '/v1/endpoints/{id}';
    return ['/', '/healthz', '/readyz', '/metrics', '/v1/findings', '/v1/stats', '/v1/inventory', '/v1/openapi', '/v1/stream'].includes(path) ? path : 'other';
  }

  #requireAuth(req: ApiRequest): void {
    const g = this.#o.guard.authenticate(req);
    if (!g.ok) throw new HttpError(g.code, g.message);
    const o = this.#o.guard.checkOrigin(req);
    if (o && !o.ok) throw new HttpError(o.code, o.message);
  }

  async #dispatch(req: ApiRequest, res: ApiResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const q = url.searchParams;
    switch (path) {
      case '/':
        res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:; img-src 'self' data:");
        sendText(res, 'text/html; charset=utf-8', DASHBOARD_HTML);
        return;
      case '/healthz':
        if (this.#o.healthAuth) this.#requireAuth(req);
        sendJson(res, 200, { status: 'ok' });
        return;
      case '/readyz':
        if (this.#o.healthAuth) this.#requireAuth(req);
        if (!this.#o.ready()) throw new HttpError('ERR_NOT_READY', 'not ready');
        sendJson(res, 200, { status: 'ready' });
        return;
      case '/metrics':
        if (this.#o.metricsAuth) this.#requireAuth(req);
        sendText(res, this.#o.metrics.contentType, await this.#o.metrics.text());
        return;
      case '/v1/stream':
        this.#requireAuth(req);
        throw new HttpError('ERR_UPGRADE_REQUIRED', '/v1/stream is a WebSocket endpoint');
      default:
        break;
    }
    this.#requireAuth(req);
    checkParams(this.#routeName(path), q);
    if (path === '/v1/findings') return this.#findings(res, q);
    if (path === '/v1/stats') return this.#stats(res);
    if (path === '/v1/inventory') return this.#inventory(res, q);
    if (path === '/v1/openapi') return this.#openapi(res, q);
    if (path.startsWith('/v1/endpoints/')) return this.#endpoint(res, decodeURIComponent(path.slice('/v1/endpoints/'.length)));
    throw new HttpError('ERR_NOT_FOUND', `no route ${path}`);
  }

  #findings(res: ApiResponse, q: URLSearchParams): void {
    const since = intParam(q, 'since', 0, Number.MAX_SAFE_INTEGER);
    const limit = Math.max(1, intParam(q, 'limit', MAX_PAGE, MAX_PAGE));
    const filter = compileFilter(parseFilterQuery(new URLSearchParams([...q].filter(([k]) => k === 'type' || k === 'minSeverity' || k === 'severity'))));
    const bus = this.#o.bus;
    const findings: Finding[] = [];
    let cursor = since;
    let { gap } = bus.since(since, 0);
    const store = this.#o.store ?? null;
    if (gap && store) {
      // Older than the ring: from the store, except what it never held.
      const ringFrom = gap.to;
      const lost = Math.min(store.lostThrough, ringFrom);
      gap = since < lost ? { from: since + 1, to: lost } : null;
      cursor = Math.max(since, lost);
      store.flush();
      while (findings.length < limit && cursor < ringFrom) {
        const rows = store.readAfter(cursor, ringFrom, 1024);
        if (rows.length === 0) {
          cursor = ringFrom;
          break;
        }
        for (const r of rows) {
          if (findings.length >= limit) break;
          cursor = r.seq;
          if (r.channel !== 'findings') continue;
          const m = JSON.parse(r.body) as BusMessage;
          if (m.channel === 'findings' && filter.matches(m)) findings.push(m.finding);
        }
      }
    }
    for (;;) {
      if (findings.length >= limit) break;
      const { messages } = bus.since(cursor, 1024);
      if (messages.length === 0) break;
      for (const m of messages) {
        if (findings.length >= limit) break;
        cursor = m.seq;
        if (m.channel === 'findings' && filter.matches(m)) findings.push(m.finding);
      }
    }
    sendJson(res, 200, { findings, gap, lastSeq: bus.lastSeq, nextSince: cursor });
  }

  async #stats(res: ApiResponse): Promise<void> {
    const m = this.#o.metrics;
    const total = async (c: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> => (await c.get()).values.reduce((a, v) => a + v.value, 0);
    sendJson(res, 200, {
      packets: await total(m.packets),
      transactions: await total(m.transactions),
      findings: await total(m.findings),
      lastSeq: this.#o.bus.lastSeq,
      ...this.#o.stats(),
    });
  }

  #endpoints(): EndpointStats[] {
    if (!this.#o.inventory) throw new HttpError('ERR_INVENTORY_UNAVAILABLE', 'no inventory is attached to this service');
    return this.#o.inventory.endpoints();
  }

  #specStatuses(eps: EndpointStats[]): Map<string, SpecStatus> | null {
    if (!this.#o.spec) return null;
    return specMarks(diffAgainstSpec(eps, this.#o.spec));
  }

  #inventory(res: ApiResponse, q: URLSearchParams): void {
    const host = q.get('host');
    const eps = this.#endpoints().filter((e) => host === null || e.host === host);
    const status = this.#specStatuses(eps);
    const endpoints: EndpointSummary[] = eps.map((e) => ({
      id: endpointId(e.key),
      key: e.key,
      host: e.host,
      method: e.method,
      pathTemplate: e.pathTemplate,
      calls: e.calls,
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
      statuses: e.statuses,
      authSchemes: [...new Set(Object.values(e.auth.schemes).map((s) => s.scheme))].sort(),
      unauthenticated: e.auth.unauthenticated,
      dataClasses: Object.values(e.dataClasses).map((d) => ({ kind: d.kind, category: d.category, location: d.location, count: d.count })),
      specStatus: status?.get(e.key) ?? null,
    }));
    sendJson(res, 200, { endpoints });
  }

  #endpoint(res: ApiResponse, id: string): void {
    if (!/^[0-9a-f]{10}$/.test(id)) throw new HttpError('ERR_NOT_FOUND', `no endpoint ${id}`);
    const eps = this.#endpoints();
    const ep = eps.find((e) => endpointId(e.key) === id);
    if (!ep) throw new HttpError('ERR_NOT_FOUND', `no endpoint ${id}`);
    sendJson(res, 200, { id, ...ep, specStatus: this.#specStatuses([ep])?.get(ep.key) ?? null });
  }

  /**
   * One document per API (host, and tenant when tunnelled tenants exist).
   * Without `host` on an inventory of several APIs: 400 ERR_HOST_REQUIRED;
   * an unknown host/tenant (or no endpoints): 404 ERR_NOT_FOUND. Both error
   * bodies add `hosts` (string[]) and `apis` ({host, tenant}[]) to `error`.
   */
  #openapi(res: ApiResponse, q: URLSearchParams): void {
    const host = q.get('host')?.trim().toLowerCase() || undefined;
    const tenant = q.get('tenant') ?? undefined;
    const format = q.get('format') ?? 'json';
    if (format !== 'json' && format !== 'yaml') throw new HttpError('ERR_BAD_PARAM', 'format: json or yaml');
    const eps = this.#endpoints();
    let doc: Record<string, unknown>;
    try {
      doc = toOpenApi(eps, { ...(host === undefined ? {} : { host }), ...(tenant === undefined ? {} : { tenant }), hint: { host: 'host=H', tenant: 'tenant=T' } });
    } catch (err) {
      if (!(err instanceof OpenApiScopeError)) throw err;
      const code = err.code === 'ERR_OPENAPI_HOST_REQUIRED' ? 'ERR_HOST_REQUIRED' : 'ERR_NOT_FOUND';
      sendJson(res, HTTP_ERROR_STATUS[code], { error: { code, message: err.message, hosts: err.hosts, apis: err.apis } });
      return;
    }
    if (format === 'yaml') sendText(res, 'application/yaml; charset=utf-8', openApiYaml(doc));
    else sendJson(res, 200, doc);
  }
}
