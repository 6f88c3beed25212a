/**
 * DetectionInput: the compact, structured-cloneable view of one HTTP
 * transaction that the detectors consume (issue 4). It is built WHERE the
 * headers and body samples still exist — inside the worker shard, from a
 * TransactionRecord and its non-enumerable extras (`requestHeaders`,
 * `responseHeaders`, `requestBodySample`, `responseBodySample`) — and then
 * crosses to the main thread, where the DetectionEngine runs.
 *
 *   worker: record + extras ──DetectionInputBuilder.build()──► DetectionInput ──► main: DetectionEngine.observe()
 *
 * Nothing in it is a raw credential: the principal is already resolved and
 * hashed (principal.ts), the login user name is hashed, secrets found in the
 * URL keep only their parameter name and class. `params` does carry request
 * values (path, query, some headers, body fields) because injection detection
 * must read them; they are truncated to `maxValueChars` and never copied into
 * findings except masked and shortened.
 *
 * Caps (constructor options; hits counted in `events`): `maxParams` values per
 * request (`detect.input_params_cap`), `maxValueChars` per value,
 * `maxResponseIds` ids per response (`detect.input_ids_cap`), data-class hits
 * per response (the classifier's own cap). Body samples are read during
 * `build()` only; no view on them is kept.
 */
import type { TransactionRecord } from '../http/transaction-record.js';
import { EventCounter } from '../stats/event-counter.js';
import { DataClassifier, type DataCategory, type DataClassHit, type DataClassKind } from '../inventory/data-classes.js';
import { decodeJwt, detectAuth, type AuthScheme } from '../inventory/auth-detect.js';
import { isJsonMediaType, mediaTypeOf, parseUrlEncoded, queryOfTarget } from '../inventory/message-fields.js';
import { parseJsonSample } from '../inventory/json-sample.js';
import { pathOfTarget } from '../inventory/path-template.js';
import { hostOf, tenantOf } from '../inventory/observed-transaction.js';
import { PrincipalResolver, basicUser, type ResolvedPrincipal } from './principal.js';

export interface DetectionInput {
  uid: string;
  transDepth: number;
  /** Request time (else response time), packet time in seconds. */
  ts: number;
  peerIp: string;
  serverIp: string;
  serverPort: number;
  /** Endpoint host (inventory/observed-transaction.ts `hostOf`) and tenant tag. */
  host: string;
  tenant: string;
  method: string | null;
  /** Request target as on the wire (may contain secrets: mask before output). */
  uri: string | null;
  status: number | null;
  flags: string[];
  userAgent: string | null;
  /** Resolved, hashed principal (clientIp after trusted-proxy resolution); its id is tenant-qualified (principal.ts). */
  principal: ResolvedPrincipal;
  /** Request header names, lower case, in first-seen order, deduplicated. */
  headerNames: string[];
  /** Credential schemes presented (inventory auth detection), in order. */
  authSchemes: AuthScheme[];
  /** Basic credentials were sent (always cleartext here: we parse plaintext HTTP/1.x). */
  basicAuth: boolean;
  /** JOSE `alg` of a bearer JWT, and its `exp` claim in seconds (null when absent). */
  jwtAlg: string | null;
  jwtExp: number | null;
  /** Login attempt fields found in the request body (or Basic credentials), else null. */
  login: { userHash: string; userMasked: string; hasPassword: boolean } | null;
  /** Values to scan for injection: [location, value], e.g. ['query.q', "1' OR 1=1"]. */
  params: [string, string][];
  /** Credentials or secrets in the request URL: [parameter name, class]. */
  urlSecrets: [string, string][];
  /** Sensitive data classes in the response body (deduplicated by kind and location). */
  responseData: { kind: DataClassKind; category: DataCategory; location: string }[];
  /** Object ids present in the response body (JSON `id` / `…Id` / `…_id` values), as text. */
  responseIds: string[];
}

export interface DetectionInputBuilderOptions {
  resolver: PrincipalResolver;
  /** Classifier for response data classes; its salt is used for the login user hash too. */
  classifier: DataClassifier;
  events?: EventCounter;
  /** Default 48. */
  maxParams?: number;
  /** Default 1,024 UTF-16 units. */
  maxValueChars?: number;
  /** Default 64. */
  maxResponseIds?: number;
}

const USER_FIELDS = new Set(['username', 'user', 'login', 'email', 'user_name', 'userid', 'user_id', 'account', 'name', 'uname', 'usr']);
const PASSWORD_FIELDS = new Set(['password', 'passwd', 'pass', 'pwd', 'passphrase', 'secret', 'pin']);
const SCANNED_HEADERS = new Set(['user-agent', 'referer', 'x-forwarded-host', 'origin', 'x-original-url', 'x-rewrite-url']);
const URL_SECRET_NAMES = new Set(['password', 'passwd', 'pwd', 'pass', 'secret', 'client_secret', 'access_token', 'id_token',
  'refresh_token', 'api_key', 'apikey', 'api-key', 'token', 'auth', 'auth_token', 'session', 'sessionid', 'sid', 'jwt', 'key', 'private_key']);
const ID_KEY_RE = /^(?:id|uuid|[a-z0-9]+_id|[a-z0-9]*[a-z]Id)$/;

export class DetectionInputBuilder {
  readonly #resolver: PrincipalResolver;
  readonly #classifier: DataClassifier;
  readonly #events: EventCounter;
  readonly #maxParams: number;
  readonly #maxValue: number;
  readonly #maxIds: number;

  constructor(options: DetectionInputBuilderOptions) {
    this.#resolver = options.resolver;
    this.#classifier = options.classifier;
    this.#events = options.events ?? new EventCounter();
    this.#maxParams = options.maxParams ?? 48;
    this.#maxValue = options.maxValueChars ?? 1024;
    this.#maxIds = options.maxResponseIds ?? 64;
  }

  get events(): EventCounter {
    return this.#events;
  }

  /** Builds the input of one transaction. Never throws on malformed content (it is skipped). */
  build(record: TransactionRecord): DetectionInput {
    const headers = record.requestHeaders ?? [];
    const uri = record.uri;
    const query = uri ? parseUrlEncoded(queryOfTarget(uri), this.#maxParams) : [];
    const tenant = tenantOf(record);
    const principal = this.#resolver.resolve(record.clientIp, headers, query, tenant);
    const headerNames: string[] = [];
    const seen = new Set<string>();
    const params: [string, string][] = [];
    const push = (loc: string, v: string): void => {
      if (!v) return;
      if (params.length >= this.#maxParams) {
        this.#events.add('detect.input_params_cap');
        return;
      }
      params.push([loc, v.length > this.#maxValue ? v.slice(0, this.#maxValue) : v]);
    };
    if (uri) push('path', safeDecode(pathOfTarget(uri)));
    for (const [n, v] of query) push(`query.${n}`, v);

    let basicAuth = false;
    let jwtAlg: string | null = null;
    let jwtExp: number | null = null;
    let basicName: string | null = null;
    for (const [rawName, value] of headers) {
      const name = rawName.toLowerCase();
      if (!seen.has(name)) {
        seen.add(name);
        if (headerNames.length < 64) headerNames.push(name);
      }
      if (SCANNED_HEADERS.has(name)) push(`header.${name}`, value);
      if (name === 'authorization') {
        const v = value.trim();
        const sp = v.indexOf(' ');
        const scheme = sp > 0 ? v.slice(0, sp).toLowerCase() : '';
        const cred = v.slice(sp + 1).trim();
        if (scheme === 'basic') {
          basicAuth = true;
          basicName = basicUser(cred);
        } else if (scheme === 'bearer') {
          const jwt = decodeJwt(cred);
          if (jwt) {
            jwtAlg = String(jwt.header.alg);
            if (typeof jwt.claims.exp === 'number' && Number.isFinite(jwt.claims.exp)) jwtExp = jwt.claims.exp;
          }
        }
      }
    }
    const authSchemes = detectAuth(headers, query).map((o) => o.scheme);

    const login = this.#loginFields(record, push) ?? (basicName !== null
      ? { userHash: this.#classifier.hash(`user:${basicName.toLowerCase()}`), userMasked: maskUser(basicName), hasPassword: true }
      : null);

    const urlSecrets: [string, string][] = [];
    const hits: DataClassHit[] = [];
    for (const [n, v] of query) {
      if (!v) continue;
      if (URL_SECRET_NAMES.has(n.toLowerCase())) urlSecrets.push([n, 'credential_param']);
      else {
        hits.length = 0;
        this.#classifier.classifyValue(`query.${n}`, n, v, hits);
        const secret = hits.find((h) => h.category === 'secret');
        if (secret) urlSecrets.push([n, secret.kind]);
      }
    }

    const { responseData, responseIds } = this.#responseFields(record);
    return {
      uid: record.uid,
      transDepth: record.transDepth,
      ts: record.requestTs ?? record.responseTs ?? 0,
      peerIp: record.clientIp,
      serverIp: record.serverIp,
      serverPort: record.serverPort,
      host: hostOf(record),
      tenant,
      method: record.method,
      uri,
      status: record.status,
      flags: record.flags.slice(),
      userAgent: record.userAgent,
      principal,
      headerNames,
      authSchemes,
      basicAuth,
      jwtAlg,
      jwtExp,
      login,
      params,
      urlSecrets,
      responseData,
      responseIds,
    };
  }

  /** Login fields of a form or JSON request body; body values are also pushed as injection params. */
  #loginFields(record: TransactionRecord, push: (loc: string, v: string) => void): DetectionInput['login'] {
    const sample = record.requestBodySample;
    if (!sample || sample.length === 0) return null;
    const mt = mediaTypeOf(record.requestContentType);
    const text = Buffer.from(sample.buffer, sample.byteOffset, sample.byteLength).toString('utf8');
    let fields: [string, string][] = [];
    if (isJsonMediaType(mt) || (mt === '' && text.trimStart().startsWith('{'))) {
      const parsed = parseJsonSample(sample, () => text);
      if (parsed.ok) flattenJson('body', parsed.value, fields, this.#maxParams, 0);
      else this.#events.add('detect.body_unparsed');
    } else if (mt === 'application/x-www-form-urlencoded' || mt === '') {
      fields = parseUrlEncoded(text, this.#maxParams).map(([n, v]) => [`body.${n}`, v]);
    }
    let user: string | null = null;
    let hasPassword = false;
    for (const [loc, v] of fields) {
      const key = loc.slice(loc.lastIndexOf('.') + 1).toLowerCase();
      if (PASSWORD_FIELDS.has(key)) hasPassword = true;
      else {
        if (user === null && USER_FIELDS.has(key) && v) user = v;
        push(loc, v);
      }
    }
    if (!hasPassword) return null;
    const u = user ?? '';
    return { userHash: this.#classifier.hash(`user:${u.toLowerCase()}`), userMasked: maskUser(u), hasPassword };
  }

  #responseFields(record: TransactionRecord): Pick<DetectionInput, 'responseData' | 'responseIds'> {
    const sample = record.responseBodySample;
    const responseData: DetectionInput['responseData'] = [];
    const responseIds: string[] = [];
    if (!sample || sample.length === 0 || !isJsonMediaType(mediaTypeOf(record.responseContentType))) return { responseData, responseIds };
    const parsed = parseJsonSample(sample, bufferUtf8);
    if (!parsed.ok) return { responseData, responseIds };
    const doc = parsed.value;
    const hits: DataClassHit[] = [];
    this.#classifier.scanJsonKinds('response.body', doc, hits);
    const keys = new Set<string>();
    for (const h of hits) {
      const k = `${h.kind}|${h.location}`;
      if (keys.has(k)) continue;
      keys.add(k);
      responseData.push({ kind: h.kind, category: h.category, location: h.location });
    }
    const dropped = collectIds(doc, responseIds, this.#maxIds);
    if (dropped > 0) this.#events.add('detect.input_ids_cap', dropped);
    return { responseData, responseIds };
  }
}

function flattenJson(loc: string, v: unknown, out: [string, string][], max: number, depth: number): void {
  if (out.length >= max || depth > 8) return;
  if (typeof v === 'string') out.push([loc, v]);
  else if (typeof v === 'number' || typeof v === 'boolean') out.push([loc, String(v)]);
  else if (Array.isArray(v)) for (const x of v) flattenJson(`${loc}[]`, x, out, max, depth + 1);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) flattenJson(`${loc}.${k}`, x, out, max, depth + 1);
}

/**
 * Object ids of a parsed JSON document (values of id-like keys, as text), in
 * document order, deduplicated, at most `max` appended to `out`. Returns how
 * many id values were dropped by the cap (each occurrence not among the kept
 * ones counts). Nesting below depth 8 is not read. Object.keys (not
 * Object.entries: no pair array per property) gives the same keys in the same
 * order; scalar properties are handled without a call each.
 */
function collectIds(v: unknown, out: string[], max: number): number {
  const kept = new Set<string>();
  let dropped = 0;
  const add = (x: string | number): void => {
    const s = String(x);
    if (kept.has(s)) return;
    if (out.length >= max) {
      dropped++;
      return;
    }
    out.push(s);
    kept.add(s);
  };
  const walk = (x: unknown, d: number, k: string): void => {
    if (d > 8) return;
    if (Array.isArray(x)) {
      for (const item of x) walk(item, d + 1, k);
    } else if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      for (const name of Object.keys(o)) {
        const y = o[name];
        if (typeof y === 'string' || typeof y === 'number') {
          if (d < 8 && isIdKey(name)) add(y);
        } else if (y !== null && typeof y === 'object') {
          walk(y, d + 1, name);
        }
      }
    } else if ((typeof x === 'string' || typeof x === 'number') && isIdKey(k)) {
      add(x);
    }
  };
  walk(v, 0, '');
  return dropped;
}

/** Id-key test results by key name; cleared when ID_KEY_CACHE_SIZE names are held. */
const idKeyCache = new Map<string, boolean>();
const ID_KEY_CACHE_SIZE = 4096;

function isIdKey(key: string): boolean {
  let r = idKeyCache.get(key);
  if (r === undefined) {
    if (idKeyCache.size >= ID_KEY_CACHE_SIZE) idKeyCache.clear();
    r = ID_KEY_RE.test(key);
    idKeyCache.set(key, r);
  }
  return r;
}

const bufferUtf8 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

function safeDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `alice` → `a***e`; short names → `***`. */
export function maskUser(u: string): string {
  return u.length < 4 ? '***' : `${u[0]}***${u[u.length - 1]}`;
}
