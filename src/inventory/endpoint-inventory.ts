/**
 * EndpointInventory: the global inventory of API endpoints learned from
 * transactions (issue 3 §2-4). One instance on the main thread; `record()` is
 * called once per transaction in output order.
 *
 *   ObservedTransaction ─► PathTemplater.observe ─► EndpointStats (per key)
 *                            │ promotion (generation++)        ├─ params, headers, cookies
 *                            └─► reconcile: re-template keys,  ├─ JSON schemas per status/type
 *                                merge stats of merged keys    ├─ auth (auth-detect.ts)
 *                                                              └─ data classes (data-classes.ts)
 *
 * Body samples are read during `record()` only (decoded as UTF-8, parsed as
 * JSON / NDJSON / form / multipart by media type); no view on them is kept.
 * Schema enum candidates at locations where a data class was found are
 * abandoned (schema-redact.ts), so no sensitive value is stored raw.
 *
 * Caps (events on `events`): `maxEndpoints` (default 10,000;
 * `inventory.endpoints_cap`: the transaction is not recorded), `maxParams`
 * names per table per endpoint (default 64; `inventory.params_cap`),
 * templater and schema caps (see their files). Bodies that are not valid
 * JSON count `inventory.body_unparsed`.
 */
import { randomBytes } from 'node:crypto';
import { EventCounter } from '../stats/event-counter.js';
import { addAuth, cookieNames, detectAuth } from './auth-detect.js';
import { DataClassifier, isSensitiveKeyName, type DataClassHit } from './data-classes.js';
import {
  addExample, addSize, endpointKey, mergeEndpointStats, newEndpointStats,
  type BodyStats, type EndpointStats, type ParamStats,
} from './endpoint-stats.js';
import { addLatency } from './latency-sketch.js';
import {
  isJsonMediaType, mediaTypeOf, multipartFieldNames, parseUrlEncoded, queryOfTarget, setCookieName, valueKindOf,
} from './message-fields.js';
import { hostOf, tenantOf, type ObservedTransaction } from './observed-transaction.js';
import {
  PathTemplater, pathOfTarget, type PathTemplaterOptions, type PathTemplaterState, type TemplateParam,
} from './path-template.js';
import { parseJsonSample } from './json-sample.js';
import { inferSchema, type SchemaOptions } from './schema-infer.js';
import { redactSensitiveEnums } from './schema-redact.js';
import { decodeSegment } from './segment-kind.js';

export interface EndpointInventoryOptions {
  /** Endpoints kept. Default 10,000. */
  maxEndpoints?: number;
  /** Names per parameter/header table per endpoint. Default 64. */
  maxParams?: number;
  /**
   * Body analysis sampling, per endpoint × direction × status × media type:
   * the first `bodyAnalyzeFirst` bodies (default 32) are parsed and scanned,
   * then one in `bodyAnalyzeEvery` (default 64; 1 analyzes every body).
   * Parsing and scanning a large JSON body costs far more than the rest of
   * `record()`; the count is always kept, `BodyStats.analyzed` says how many
   * were analyzed, and data-class counts come from analyzed bodies only.
   */
  bodyAnalyzeFirst?: number;
  bodyAnalyzeEvery?: number;
  templater?: PathTemplaterOptions;
  schema?: SchemaOptions;
  /** Salt of data-class hashes (hex); random when omitted. The store keeps it. */
  salt?: string;
  events?: EventCounter;
}

/** Serialized inventory: what the store saves and `load` merges. */
export interface InventorySnapshot {
  version: 1;
  salt: string;
  templater: PathTemplaterState;
  endpoints: EndpointStats[];
}

/** Request headers never reported as "of interest" (framing, negotiation, routing). */
const BORING_HEADERS = new Set([
  'host', 'connection', 'content-length', 'transfer-encoding', 'accept', 'accept-encoding', 'accept-language',
  'user-agent', 'cache-control', 'pragma', 'te', 'upgrade', 'keep-alive', 'cookie', 'content-type', 'expect',
  'if-none-match', 'if-modified-since', 'referer', 'origin', 'dnt', 'sec-fetch-site', 'sec-fetch-mode',
  'sec-fetch-dest', 'sec-fetch-user', 'upgrade-insecure-requests', 'priority',
]);

const utf8 = new TextDecoder('utf-8');
const decodeUtf8 = (bytes: Uint8Array): string => utf8.decode(bytes);

/** Keys naming a person or account: their values are never enum candidates (nor are sensitive keys'). */
const PERSONAL_KEYS = new Set(['name', 'firstname', 'lastname', 'fullname', 'givenname', 'familyname', 'surname',
  'middlename', 'displayname', 'nickname', 'username', 'user', 'login', 'account', 'owner', 'customer', 'contact']);

function noEnumKey(key: string): boolean {
  return PERSONAL_KEYS.has(key.toLowerCase().replace(/[-_. ]/g, '')) || isSensitiveKeyName(key);
}

/** Newline-delimited JSON media types (one JSON value per line). */
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines']);

export class EndpointInventory {
  readonly #maxEndpoints: number;
  readonly #maxParams: number;
  readonly #analyzeFirst: number;
  readonly #analyzeEvery: number;
  readonly #schema: SchemaOptions;
  readonly #events: EventCounter;
  readonly #templater: PathTemplater;
  readonly #classifier: DataClassifier;
  readonly #salt: string;
  #endpoints = new Map<string, EndpointStats>();
  #generation: number;

  constructor(options: EndpointInventoryOptions = {}) {
    this.#maxEndpoints = options.maxEndpoints ?? 10_000;
    this.#maxParams = options.maxParams ?? 64;
    this.#analyzeFirst = Math.max(0, options.bodyAnalyzeFirst ?? 32);
    this.#analyzeEvery = Math.max(1, options.bodyAnalyzeEvery ?? 64);
    this.#schema = { ...options.schema, noEnumKey: options.schema?.noEnumKey ?? noEnumKey };
    this.#events = options.events ?? new EventCounter();
    this.#templater = new PathTemplater({ ...options.templater, events: this.#events });
    this.#salt = options.salt ?? randomBytes(16).toString('hex');
    this.#classifier = new DataClassifier({ salt: this.#salt, events: this.#events });
    this.#generation = this.#templater.generation;
  }

  get events(): EventCounter {
    return this.#events;
  }

  get templater(): PathTemplater {
    return this.#templater;
  }

  get salt(): string {
    return this.#salt;
  }

  get size(): number {
    return this.#endpoints.size;
  }

  /** Endpoints sorted by key, with fresh parameter explanations. */
  endpoints(): EndpointStats[] {
    this.#reconcile();
    const out = [...this.#endpoints.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const ep of out) {
      ep.pathParams = this.#templater.templateFor(ep.tenant, ep.host, ep.method, ep.pathTemplate).params;
    }
    return out;
  }

  get(key: string): EndpointStats | undefined {
    this.#reconcile();
    return this.#endpoints.get(key);
  }

  /** Record one transaction; returns its endpoint, or null when it has no request or a cap dropped it. */
  record(tx: ObservedTransaction): EndpointStats | null {
    if (tx.method === null || tx.uri === null) return null;
    const tenant = tenantOf(tx);
    const host = hostOf(tx);
    const method = tx.method.toUpperCase();
    const tp = this.#templater.observe(tenant, host, method, tx.uri);
    this.#reconcile();
    const key = endpointKey(tenant, host, method, tp.template);
    let ep = this.#endpoints.get(key);
    if (!ep) {
      if (this.#endpoints.size >= this.#maxEndpoints) {
        this.#events.add('inventory.endpoints_cap');
        return null;
      }
      ep = newEndpointStats(tenant, host, method, tp.template);
      this.#endpoints.set(key, ep);
    }
    ep.pathParams = tp.params;
    this.#update(ep, tx, tp.params);
    return ep;
  }

  #update(ep: EndpointStats, tx: ObservedTransaction, params: readonly TemplateParam[]): void {
    ep.calls++;
    const ts = tx.requestTs ?? tx.responseTs;
    if (ts !== null) {
      ep.firstSeen = ep.firstSeen === null ? ts : Math.min(ep.firstSeen, ts);
      ep.lastSeen = ep.lastSeen === null ? ts : Math.max(ep.lastSeen, ts);
    }
    const status = tx.status === null ? 'none' : String(tx.status);
    ep.statuses[status] = (ep.statuses[status] ?? 0) + 1;
    if (tx.requestTs !== null && tx.responseTs !== null) addLatency(ep.latency, (tx.responseTs - tx.requestTs) * 1000);
    addSize(ep.requestSize, tx.requestBodyLength);
    if (tx.status !== null) addSize(ep.responseSize, tx.responseBodyLength);

    const hits: DataClassHit[] = [];
    const uri = tx.uri!;
    // Path parameters: segment values at the template's parameter positions.
    if (params.length > 0) {
      const segs = pathOfTarget(uri).split('/').filter((s) => s.length > 0);
      for (const p of params) {
        let v = decodeSegment(segs[p.position] ?? '');
        if (p.suffix && v.endsWith(p.suffix)) v = v.slice(0, -p.suffix.length);
        this.#addParam(ep.pathParamStats, p.name, v);
        this.#classifier.classifyValue(`request.path.${p.name}`, p.name, v, hits);
      }
    }
    const query = parseUrlEncoded(queryOfTarget(uri), this.#maxParams);
    const seenNames = new Set<string>();
    for (const [name, value] of query) {
      if (seenNames.has(name)) continue;
      seenNames.add(name);
      this.#addParam(ep.queryParams, name, value);
    }
    this.#classifier.scanPairs('request.query', query, hits);

    const headers = tx.requestHeaders ?? [];
    const seenHeaders = new Set<string>();
    for (const [rawName, value] of headers) {
      const name = rawName.toLowerCase();
      if (name === 'cookie') {
        for (const c of cookieNames(value)) ep.cookies[c] = (ep.cookies[c] ?? 0) + 1;
        for (const pair of value.split(';')) {
          const eq = pair.indexOf('=');
          if (eq > 0) this.#classifier.classifyValue(`request.cookie.${pair.slice(0, eq).trim()}`, pair.slice(0, eq).trim(), pair.slice(eq + 1).trim(), hits);
        }
        continue;
      }
      if (name === 'authorization' || name === 'proxy-authorization') {
        this.#classifier.scanAuthorization(`request.header.${name}`, value, hits);
      } else if (!BORING_HEADERS.has(name)) {
        this.#classifier.classifyValue(`request.header.${name}`, name, value, hits);
      }
      if (!BORING_HEADERS.has(name) && !seenHeaders.has(name)) {
        seenHeaders.add(name);
        this.#addParam(ep.headers, name, value);
      }
    }
    addAuth(ep.auth, detectAuth(headers, query));

    for (const [rawName, value] of tx.responseHeaders ?? []) {
      const name = rawName.toLowerCase();
      if (name === 'set-cookie') {
        const c = setCookieName(value);
        if (c) ep.setCookies[c] = (ep.setCookies[c] ?? 0) + 1;
      } else if (name === 'authorization' || name.startsWith('x-')) {
        this.#classifier.classifyValue(`response.header.${name}`, name, value, hits);
      }
    }

    const reqType = mediaTypeOf(tx.requestContentType);
    if (tx.requestBodyLength > 0 || (tx.requestBodySample?.length ?? 0) > 0) {
      const body = this.#bodyStats(ep.requestBodies, reqType);
      if (body) this.#body(body, reqType, tx.requestContentType ?? '', tx.requestBodySample, 'request.body', hits);
    }
    if (tx.status !== null && (tx.responseBodyLength > 0 || (tx.responseBodySample?.length ?? 0) > 0)) {
      const resType = mediaTypeOf(tx.responseContentType);
      const byType = (ep.responseBodies[status] ??= {});
      const body = this.#bodyStats(byType, resType);
      if (body) this.#body(body, resType, tx.responseContentType ?? '', tx.responseBodySample, 'response.body', hits);
    }

    for (const h of hits) {
      const k = `${h.kind}@${h.location}`;
      let d = ep.dataClasses[k];
      if (!d) {
        if (Object.keys(ep.dataClasses).length >= this.#maxParams * 4) {
          this.#events.add('inventory.params_cap');
          continue;
        }
        d = ep.dataClasses[k] = { kind: h.kind, category: h.category, location: h.location, count: 0, examples: [] };
      }
      d.count++;
      addExample(d, h.masked, h.hash);
    }
  }

  /** Body stats of media type `mt` in `table`; at most 16 media types per table (`inventory.params_cap`). */
  #bodyStats(table: Record<string, BodyStats>, mt: string): BodyStats | null {
    const have = table[mt];
    if (have) return have;
    if (Object.keys(table).length >= 16) {
      this.#events.add('inventory.params_cap');
      return null;
    }
    return (table[mt] = { count: 0 });
  }

  #body(body: BodyStats, mt: string, contentType: string, sample: Uint8Array | undefined, where: string, hits: DataClassHit[]): void {
    body.count++;
    if (!sample || sample.length === 0) return;
    const n = body.analyzed ?? 0;
    if (n >= this.#analyzeFirst && body.count % this.#analyzeEvery !== 0) return;
    body.analyzed = n + 1;
    if (isJsonMediaType(mt) || (mt === '' && (sample[0] === 0x7b || sample[0] === 0x5b))) {
      const parsed = parseJsonSample(sample, decodeUtf8);
      if (!parsed.ok) {
        body.unparsed = (body.unparsed ?? 0) + 1;
        this.#events.add('inventory.body_unparsed');
        return;
      }
      const value = parsed.value;
      const from = hits.length;
      body.schema = inferSchema(value, this.#schema, this.#events, body.schema);
      this.#classifier.scanJson(where, value, hits);
      if (hits.length > from) redactSensitiveEnums(body.schema, where, hits.slice(from));
    } else if (NDJSON_TYPES.has(mt)) {
      this.#ndjson(body, sample, where, hits);
    } else if (mt === 'application/x-www-form-urlencoded') {
      const pairs = parseUrlEncoded(utf8.decode(sample), this.#maxParams);
      const fields = (body.fields ??= {});
      for (const name of new Set(pairs.map((p) => p[0]))) this.#countField(fields, name);
      this.#classifier.scanPairs(where, pairs, hits);
    } else if (mt === 'multipart/form-data') {
      const fields = (body.fields ??= {});
      for (const name of multipartFieldNames(contentType, utf8.decode(sample), this.#maxParams)) this.#countField(fields, name);
    }
  }

  /**
   * Newline-delimited JSON (one value per line): the schema describes one line.
   * Complete lines only; a last line cut by the sample cap is ignored, a line
   * that is not JSON counts `inventory.body_unparsed` once per body.
   */
  #ndjson(body: BodyStats, sample: Uint8Array, where: string, hits: DataClassHit[]): void {
    const text = utf8.decode(sample);
    const end = text.endsWith('\n') ? text.length : text.lastIndexOf('\n') + 1;
    const from = hits.length;
    let bad = false;
    for (const line of text.slice(0, end).split('\n')) {
      if (line.trim().length === 0) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        bad = true;
        continue;
      }
      body.schema = inferSchema(value, this.#schema, this.#events, body.schema);
      this.#classifier.scanJson(where, value, hits);
    }
    if (bad) {
      body.unparsed = (body.unparsed ?? 0) + 1;
      this.#events.add('inventory.body_unparsed');
    }
    if (body.schema && hits.length > from) redactSensitiveEnums(body.schema, where, hits.slice(from));
  }

  #countField(fields: Record<string, number>, name: string): void {
    if (fields[name] === undefined && Object.keys(fields).length >= this.#maxParams) {
      this.#events.add('inventory.params_cap');
      return;
    }
    fields[name] = (fields[name] ?? 0) + 1;
  }

  #addParam(table: Record<string, ParamStats>, name: string, value: string): void {
    let p = table[name];
    if (!p) {
      if (Object.keys(table).length >= this.#maxParams) {
        this.#events.add('inventory.params_cap');
        return;
      }
      p = table[name] = { count: 0, kinds: {} };
    }
    p.count++;
    const k = valueKindOf(value);
    p.kinds[k] = (p.kinds[k] ?? 0) + 1;
  }

  /** After a templater promotion: re-template every key and merge endpoints that now coincide. */
  #reconcile(): void {
    if (this.#generation === this.#templater.generation) return;
    this.#generation = this.#templater.generation;
    const old = [...this.#endpoints.values()];
    this.#endpoints.clear();
    for (const ep of old) {
      const tp = this.#templater.templateFor(ep.tenant, ep.host, ep.method, ep.pathTemplate);
      const key = endpointKey(ep.tenant, ep.host, ep.method, tp.template);
      const have = this.#endpoints.get(key);
      if (have) {
        mergeEndpointStats(have, ep, this.#maxParams, this.#schema);
        have.pathParams = tp.params;
      } else {
        ep.key = key;
        ep.pathTemplate = tp.template;
        ep.pathParams = tp.params;
        this.#endpoints.set(key, ep);
      }
    }
  }

  /** JSON-serializable copy of the whole inventory (templater state included). */
  snapshot(): InventorySnapshot {
    return structuredClone({ version: 1, salt: this.#salt, templater: this.#templater.toJSON(), endpoints: this.endpoints() });
  }

  /**
   * Merge a snapshot (an earlier run, another sensor) into this inventory:
   * the templater learns its state, endpoints are re-templated and merged.
   * Its salt must equal this inventory's for hashes to be comparable.
   */
  load(snapshot: InventorySnapshot): void {
    this.#templater.load(snapshot.templater);
    for (const src of snapshot.endpoints) {
      const tp = this.#templater.templateFor(src.tenant, src.host, src.method, src.pathTemplate);
      const key = endpointKey(src.tenant, src.host, src.method, tp.template);
      let ep = this.#endpoints.get(key);
      if (!ep) {
        if (this.#endpoints.size >= this.#maxEndpoints) {
          this.#events.add('inventory.endpoints_cap');
          continue;
        }
        ep = newEndpointStats(src.tenant, src.host, src.method, tp.template);
        this.#endpoints.set(key, ep);
      }
      mergeEndpointStats(ep, src, this.#maxParams, this.#schema);
      ep.pathParams = tp.params;
    }
    this.#reconcile();
  }
}
