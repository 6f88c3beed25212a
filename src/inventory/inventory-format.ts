/**
 * Human-readable renderings of the inventory for the CLI: the endpoint table
 * (`apisensor inventory list`), one endpoint's detail (`inventory show`) and
 * the end-of-run inventory summary (`apisensor replay --db`). Plain text, no
 * colour, one trailing newline-free string each; sensitive values never
 * appear (only masked examples, as stored).
 */
import { unauthenticatedRatio, type AuthSchemeStats, type AuthStats } from './auth-detect.js';
import { endpointId } from './endpoint-lookup.js';
import type { EndpointStats, ParamStats, SizeStats } from './endpoint-stats.js';
import type { InventoryRunSummary } from './inventory-session.js';
import { latencyPercentile } from './latency-sketch.js';
import { toJsonSchema } from './schema-infer.js';
import type { SpecDiffResult } from './spec-diff.js';

export interface InventoryTableOptions {
  /** Only endpoints of this host. */
  host?: string;
  /** Spec diff of the same endpoints: adds the SPEC column (documented / shadow / zombie / uncovered) and an orphan list. */
  diff?: SpecDiffResult | null;
  /** Longest template shown before it is cut with `…`. Default 80 characters. */
  maxTemplateWidth?: number;
}

/** Spec status of an endpoint: `uncovered` when its host is outside the spec's servers. */
export type SpecMark = 'documented' | 'shadow' | 'zombie' | 'uncovered';

/** Spec status of each endpoint key in a diff. */
export function specMarks(diff: SpecDiffResult): Map<string, SpecMark> {
  const marks = new Map<string, SpecMark>();
  for (const e of diff.uncovered) marks.set(e.endpoint.key, 'uncovered');
  for (const e of diff.documented) marks.set(e.endpoint.key, 'documented');
  for (const e of diff.shadow) marks.set(e.endpoint.key, 'shadow');
  for (const e of diff.zombie) marks.set(e.endpoint.key, 'zombie');
  return marks;
}

function shortScheme(s: AuthSchemeStats): string {
  switch (s.scheme) {
    case 'basic':
      return 'basic';
    case 'bearer_jwt':
      return 'jwt';
    case 'bearer_opaque':
      return s.in === 'query' ? `token(?${s.name})` : 'bearer';
    case 'api_key':
      return s.in === 'query' ? `key(?${s.name})` : `key(${s.name})`;
    case 'session_cookie':
      return `cookie(${s.name})`;
    default:
      return (s.authScheme ?? 'other').toLowerCase();
  }
}

/** `jwt,key(x-api-key)` plus `none` when unauthenticated calls were seen; `none` alone when never authenticated. */
export function authSummary(auth: AuthStats): string {
  const parts = Object.values(auth.schemes).sort((a, b) => b.count - a.count || (shortScheme(a) < shortScheme(b) ? -1 : 1)).map(shortScheme);
  if (auth.unauthenticated > 0 || parts.length === 0) parts.push(parts.length === 0 ? 'none' : `none ${Math.round(unauthenticatedRatio(auth) * 100)}%`);
  return [...new Set(parts)].join(',');
}

/** `200:12 404:1` in status order. */
export function statusSummary(statuses: Record<string, number>): string {
  return Object.keys(statuses).sort().map((s) => `${s}:${statuses[s]}`).join(' ');
}

/** Distinct data-class kinds, sorted: `email,password`; `-` when none. */
export function dataClassSummary(ep: EndpointStats): string {
  const kinds = [...new Set(Object.values(ep.dataClasses).map((d) => d.kind))].sort();
  return kinds.length === 0 ? '-' : kinds.join(',');
}

function table(header: string[], rows: string[][], rightAligned: ReadonlySet<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function cut(s: string, width: number): string {
  return s.length <= width ? s : s.slice(0, Math.max(1, width - 1)) + '…';
}

/**
 * The endpoint table: ID, HOST (with `tenant/` when tunnelled or tagged),
 * METHOD, TEMPLATE, CALLS, STATUSES, AUTH, DATA, and SPEC with a diff; rows
 * sorted by host, template, method. With a diff, orphan operations follow.
 */
export function formatInventoryTable(endpoints: readonly EndpointStats[], opts: InventoryTableOptions = {}): string {
  const width = opts.maxTemplateWidth ?? 80;
  const eps = endpoints
    .filter((e) => opts.host === undefined || e.host === opts.host)
    .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.pathTemplate < b.pathTemplate ? -1 : a.pathTemplate > b.pathTemplate ? 1 : a.method < b.method ? -1 : a.method > b.method ? 1 : 0));
  const marks = opts.diff ? specMarks(opts.diff) : null;
  const header = ['ID', 'HOST', 'METHOD', 'TEMPLATE', 'CALLS', 'STATUSES', 'AUTH', 'DATA'];
  if (marks) header.push('SPEC');
  const rows = eps.map((e) => {
    const r = [endpointId(e.key), e.tenant ? `${e.tenant}/${e.host}` : e.host, e.method, cut(e.pathTemplate, width), String(e.calls), statusSummary(e.statuses), authSummary(e.auth), dataClassSummary(e)];
    if (marks) r.push(marks.get(e.key) ?? '-');
    return r;
  });
  const parts = [eps.length === 0 ? 'no endpoints' : table(header, rows, new Set([4]))];
  const calls = eps.reduce((n, e) => n + e.calls, 0);
  let footer = `${eps.length} endpoint(s), ${calls} call(s)`;
  if (opts.diff) {
    const orphans = opts.diff.orphan;
    const count = (k: SpecMark): number => [...(marks?.values() ?? [])].filter((m) => m === k).length;
    footer += `; spec: ${count('documented')} documented, ${count('shadow')} shadow, ${count('zombie')} zombie, ${orphans.length} orphan`;
    if (opts.diff.uncovered.length > 0) footer += `, ${opts.diff.uncovered.length} uncovered (host outside the spec's servers)`;
    if (orphans.length > 0) {
      parts.push('orphan operations (documented, never seen):\n' + orphans.map((o) => `  ${o.method} ${o.path}${o.deprecated ? ' (deprecated)' : ''}`).join('\n'));
    }
  }
  parts.push(footer);
  return parts.join('\n\n');
}

function isoTime(ts: number | null): string {
  return ts === null ? '-' : new Date(ts * 1000).toISOString();
}

function ms(n: number | null): string {
  return n === null ? '-' : `${Math.round(n * 1000) / 1000} ms`;
}

function sizes(s: SizeStats): string {
  return s.count === 0 ? '-' : `min ${s.min} B, mean ${Math.round(s.sum / s.count)} B, max ${s.max} B`;
}

function kinds(p: ParamStats): string {
  return Object.entries(p.kinds).sort((a, b) => b[1]! - a[1]!).map(([k, n]) => `${k}×${n}`).join(' ');
}

function paramLines(title: string, table: Record<string, ParamStats>, calls: number): string[] {
  const names = Object.keys(table).sort();
  if (names.length === 0) return [];
  return [`${title}:`, ...names.map((n) => `  ${n}  present ${table[n]!.count}/${calls}  ${kinds(table[n]!)}`)];
}

function counts(rec: Record<string, number>): string {
  return Object.keys(rec).sort().map((k) => `${k} (${rec[k]})`).join(', ');
}

function bodyLines(title: string, byType: Record<string, { count: number; schema?: unknown; fields?: Record<string, number>; unparsed?: number }>): string[] {
  const out: string[] = [];
  for (const mt of Object.keys(byType).sort()) {
    const b = byType[mt]!;
    out.push(`${title} ${mt || '(no content type)'}: ${b.count} message(s)${b.unparsed ? `, ${b.unparsed} not parsed` : ''}`);
    if (b.schema) out.push(...JSON.stringify(toJsonSchema(b.schema as Parameters<typeof toJsonSchema>[0]), null, 2).split('\n').map((l) => '    ' + l));
    if (b.fields) out.push(`    fields: ${counts(b.fields)}`);
  }
  return out;
}

/** Multi-line detail of one endpoint (everything the inventory keeps, masked). */
export function formatEndpointDetail(ep: EndpointStats, opts: { specMark?: string } = {}): string {
  const lat = ep.latency;
  const lines = [
    `${ep.method} ${ep.host}${ep.pathTemplate}${ep.tenant ? `   (tenant ${ep.tenant})` : ''}`,
    `id ${endpointId(ep.key)}   key ${ep.key}${opts.specMark ? `   spec: ${opts.specMark}` : ''}`,
    `calls ${ep.calls}   first seen ${isoTime(ep.firstSeen)}   last seen ${isoTime(ep.lastSeen)}`,
    `statuses ${statusSummary(ep.statuses) || '-'}`,
    `latency p50 ${ms(latencyPercentile(lat, 0.5))}, p95 ${ms(latencyPercentile(lat, 0.95))}, p99 ${ms(latencyPercentile(lat, 0.99))} (${lat.count} timed)`,
    `request bodies ${sizes(ep.requestSize)}; response bodies ${sizes(ep.responseSize)}`,
  ];
  if (ep.pathParams.length > 0) {
    lines.push('path parameters:');
    for (const p of ep.pathParams) {
      const why = p.reason === 'type'
        ? `type ${Object.keys(p.kinds).join('/') || '?'}`
        : `cardinality: ${p.distinctValues}${p.distinctCapped ? '+' : ''} distinct values`;
      lines.push(`  {${p.name}}${p.suffix ?? ''} at segment ${p.position + 1}: ${why}, confidence ${p.confidence}`);
    }
  }
  lines.push(...paramLines('query parameters', ep.queryParams, ep.calls));
  lines.push(...paramLines('request headers', ep.headers, ep.calls));
  if (Object.keys(ep.cookies).length > 0) lines.push(`cookies: ${counts(ep.cookies)}`);
  if (Object.keys(ep.setCookies).length > 0) lines.push(`set-cookie: ${counts(ep.setCookies)}`);
  lines.push(`auth: ${authSummary(ep.auth)} (${ep.auth.unauthenticated} of ${ep.auth.requests} request(s) without credentials)`);
  for (const s of Object.values(ep.auth.schemes).sort((a, b) => b.count - a.count)) {
    let d = `  ${s.scheme} in ${s.in} ${s.name}: ${s.count}`;
    if (s.jwtAlgs) d += `; alg ${counts(s.jwtAlgs)}`;
    if (s.jwtIssuers) d += `; iss ${counts(s.jwtIssuers)}`;
    if (s.jwtClaims) d += `; claims ${s.jwtClaims.join(', ')}`;
    lines.push(d);
  }
  lines.push(...bodyLines('request body', ep.requestBodies));
  for (const st of Object.keys(ep.responseBodies).sort()) lines.push(...bodyLines(`response ${st}`, ep.responseBodies[st]!));
  const classes = Object.values(ep.dataClasses).sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : a.kind < b.kind ? -1 : 1));
  if (classes.length > 0) {
    lines.push('data classes:');
    for (const d of classes) lines.push(`  ${d.category} ${d.kind} at ${d.location}: ${d.count} (e.g. ${d.examples.map((e) => e.masked).join(', ')})`);
  }
  return lines.join('\n');
}

/** `, 4 uncovered (2 hosts outside the spec's servers: a, b)`, or `''` when `uncovered` is undefined. At most 5 hosts are named. */
export function uncoveredSummary(uncovered: number | undefined, hosts: readonly string[] = []): string {
  if (uncovered === undefined) return '';
  if (uncovered === 0) return ', 0 uncovered';
  const named = hosts.slice(0, 5).join(', ') + (hosts.length > 5 ? `, +${hosts.length - 5} more` : '');
  return `, ${uncovered} uncovered (${hosts.length} host(s) outside the spec's servers: ${named})`;
}

/** One paragraph for the end of `apisensor replay --db F`. */
export function formatRunSummary(s: InventoryRunSummary): string {
  const lines = [
    `inventory (${s.db}): ${s.endpoints.total} endpoint(s) (${s.endpoints.new} new, ${s.endpoints.seen} seen in this run) from ${s.transactions - s.skipped} transaction(s)` +
      (s.skipped > 0 ? `, ${s.skipped} not recorded` : ''),
  ];
  if (s.spec) {
    lines.push(`spec ${s.spec.file} (OpenAPI ${s.spec.openapi}, ${s.spec.operations} operations): ${s.spec.documented} documented, ` +
      `${s.spec.shadow} shadow, ${s.spec.zombie} zombie, ${s.spec.orphan} orphan` + uncoveredSummary(s.spec.uncovered, s.spec.uncoveredHosts) +
      (s.spec.warnings.length > 0 ? `; ${s.spec.warnings.length} validator warning(s)` : ''));
  }
  const events = Object.entries(s.events);
  if (events.length > 0) lines.push(`inventory events: ${events.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  return lines.join('\n');
}
