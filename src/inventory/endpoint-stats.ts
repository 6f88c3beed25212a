/**
 * EndpointStats: everything the inventory keeps about one endpoint
 * (tenant + host + method + path template), as plain JSON data so the store
 * can save it and two inventories (two runs, two sensors) can be merged by
 * `mergeEndpointStats`. Times are packet time (seconds since the epoch);
 * sizes are bytes; latencies milliseconds.
 */
import { mergeAuth, newAuthStats, type AuthStats } from './auth-detect.js';
import type { DataCategory, DataClassKind } from './data-classes.js';
import { mergeLatency, newLatencySketch, type LatencySketch } from './latency-sketch.js';
import type { ValueKind } from './message-fields.js';
import type { TemplateParam } from './path-template.js';
import { mergeSchema, type SchemaNode, type SchemaOptions } from './schema-infer.js';

export interface ParamStats {
  /** Requests that carried the parameter (presence ratio = count / calls). */
  count: number;
  /** Value kinds with counts. */
  kinds: Partial<Record<ValueKind, number>>;
}

export interface SizeStats {
  count: number;
  min: number;
  max: number;
  sum: number;
}

export interface BodyStats {
  /** Messages with this content type. */
  count: number;
  /** JSON schema (JSON media types only). */
  schema?: SchemaNode;
  /** Form / multipart field names with counts. */
  fields?: Record<string, number>;
  /** JSON bodies that could not be parsed (truncated sample, bad JSON). */
  unparsed?: number;
  /**
   * Messages whose sample was parsed and scanned (schema, fields, data
   * classes); the others were only counted (see EndpointInventoryOptions
   * `bodyAnalyzeFirst` / `bodyAnalyzeEvery`). Absent in stores written before it existed.
   */
  analyzed?: number;
}

export interface DataClassStats {
  kind: DataClassKind;
  category: DataCategory;
  location: string;
  count: number;
  /** Up to 3 distinct masked examples with their salted hashes. */
  examples: { masked: string; hash: string }[];
}

export interface EndpointStats {
  /** Stable identity: `${tenant}|${host} ${method} ${pathTemplate}`. */
  key: string;
  tenant: string;
  host: string;
  method: string;
  pathTemplate: string;
  /** Parameter explanations as the templater last gave them. */
  pathParams: TemplateParam[];
  calls: number;
  firstSeen: number | null;
  lastSeen: number | null;
  /** Status code (or `none`) → count. */
  statuses: Record<string, number>;
  latency: LatencySketch;
  requestSize: SizeStats;
  responseSize: SizeStats;
  queryParams: Record<string, ParamStats>;
  /** Path parameter name → value kinds. */
  pathParamStats: Record<string, ParamStats>;
  /** Request header (lower-case name) → presence and value kinds. */
  headers: Record<string, ParamStats>;
  /** Request cookie names → requests carrying them. */
  cookies: Record<string, number>;
  /** Cookie names set by responses (`Set-Cookie`) → count. */
  setCookies: Record<string, number>;
  /** Request media type ('' when none) → body stats. */
  requestBodies: Record<string, BodyStats>;
  /** Status → response media type → body stats. */
  responseBodies: Record<string, Record<string, BodyStats>>;
  auth: AuthStats;
  /** `${kind}@${location}` → hits. */
  dataClasses: Record<string, DataClassStats>;
}

export function endpointKey(tenant: string, host: string, method: string, pathTemplate: string): string {
  return `${tenant}|${host} ${method} ${pathTemplate}`;
}

export function newSizeStats(): SizeStats {
  return { count: 0, min: 0, max: 0, sum: 0 };
}

export function addSize(s: SizeStats, n: number): void {
  s.min = s.count === 0 ? n : Math.min(s.min, n);
  s.max = s.count === 0 ? n : Math.max(s.max, n);
  s.count++;
  s.sum += n;
}

export function newEndpointStats(tenant: string, host: string, method: string, pathTemplate: string): EndpointStats {
  return {
    key: endpointKey(tenant, host, method, pathTemplate),
    tenant, host, method, pathTemplate, pathParams: [],
    calls: 0, firstSeen: null, lastSeen: null, statuses: {}, latency: newLatencySketch(),
    requestSize: newSizeStats(), responseSize: newSizeStats(), queryParams: {}, pathParamStats: {}, headers: {},
    cookies: {}, setCookies: {}, requestBodies: {}, responseBodies: {}, auth: newAuthStats(), dataClasses: {},
  };
}

function addCounts<K extends string>(dst: Partial<Record<K, number>>, src: Partial<Record<K, number>>): void {
  for (const k of Object.keys(src) as K[]) dst[k] = (dst[k] ?? 0) + src[k]!;
}

function mergeParams(dst: Record<string, ParamStats>, src: Record<string, ParamStats>, cap: number): void {
  for (const name of Object.keys(src)) {
    const have = dst[name];
    if (!have) {
      if (Object.keys(dst).length >= cap) continue;
      dst[name] = { count: src[name]!.count, kinds: { ...src[name]!.kinds } };
    } else {
      have.count += src[name]!.count;
      addCounts(have.kinds, src[name]!.kinds);
    }
  }
}

function mergeSize(dst: SizeStats, src: SizeStats): void {
  if (src.count === 0) return;
  dst.min = dst.count === 0 ? src.min : Math.min(dst.min, src.min);
  dst.max = dst.count === 0 ? src.max : Math.max(dst.max, src.max);
  dst.count += src.count;
  dst.sum += src.sum;
}

function mergeBody(dst: BodyStats, src: BodyStats, schema: SchemaOptions): void {
  dst.count += src.count;
  if (src.unparsed) dst.unparsed = (dst.unparsed ?? 0) + src.unparsed;
  if (src.analyzed) dst.analyzed = (dst.analyzed ?? 0) + src.analyzed;
  if (src.schema) dst.schema = dst.schema ? mergeSchema(dst.schema, src.schema, schema) : structuredClone(src.schema);
  if (src.fields) addCounts((dst.fields ??= {}), src.fields);
}

/** Add a data-class example unless its hash is known; at most 3 kept. */
export function addExample(d: DataClassStats, masked: string, hash: string): void {
  if (d.examples.length < 3 && !d.examples.some((e) => e.hash === hash)) d.examples.push({ masked, hash });
}

/** Fold `src` into `dst` (same endpoint identity, or a re-templated one). `src` is not modified. */
export function mergeEndpointStats(dst: EndpointStats, src: EndpointStats, maxParams = 64, schema: SchemaOptions = {}): void {
  dst.calls += src.calls;
  if (src.firstSeen !== null) dst.firstSeen = dst.firstSeen === null ? src.firstSeen : Math.min(dst.firstSeen, src.firstSeen);
  if (src.lastSeen !== null) dst.lastSeen = dst.lastSeen === null ? src.lastSeen : Math.max(dst.lastSeen, src.lastSeen);
  addCounts(dst.statuses, src.statuses);
  mergeLatency(dst.latency, src.latency);
  mergeSize(dst.requestSize, src.requestSize);
  mergeSize(dst.responseSize, src.responseSize);
  mergeParams(dst.queryParams, src.queryParams, maxParams);
  mergeParams(dst.pathParamStats, src.pathParamStats, maxParams);
  mergeParams(dst.headers, src.headers, maxParams);
  addCounts(dst.cookies, src.cookies);
  addCounts(dst.setCookies, src.setCookies);
  for (const mt of Object.keys(src.requestBodies)) {
    mergeBody((dst.requestBodies[mt] ??= { count: 0 }), src.requestBodies[mt]!, schema);
  }
  for (const st of Object.keys(src.responseBodies)) {
    const d = (dst.responseBodies[st] ??= {});
    for (const mt of Object.keys(src.responseBodies[st]!)) mergeBody((d[mt] ??= { count: 0 }), src.responseBodies[st]![mt]!, schema);
  }
  mergeAuth(dst.auth, src.auth);
  for (const k of Object.keys(src.dataClasses)) {
    const s = src.dataClasses[k]!;
    const d = (dst.dataClasses[k] ??= { kind: s.kind, category: s.category, location: s.location, count: 0, examples: [] });
    d.count += s.count;
    for (const e of s.examples) addExample(d, e.masked, e.hash);
  }
  if (src.pathParams.length > 0 && dst.pathParams.length === 0) dst.pathParams = src.pathParams;
}
