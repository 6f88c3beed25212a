/**
 * Authentication classification of one request (issue 3 §3), and its
 * per-endpoint aggregate.
 *
 * Schemes: `basic` (RFC 7617), `bearer_jwt` (RFC 6750 bearer whose token is a
 * JWS compact serialization, RFC 7515 §7.1 / RFC 7519), `bearer_opaque`,
 * `api_key` (a known key header or query parameter), `session_cookie`,
 * `other` (another Authorization scheme: Digest, AWS4-HMAC-SHA256, …).
 * A request with none of them is unauthenticated (`none`).
 *
 * Never kept: the token, the password, the key, the cookie value. From a JWT
 * only its header `alg`, the `iss` claim and the sorted claim names are kept.
 * A Basic user name is not kept either (it identifies a principal: the
 * detectors hash it, the inventory does not need it).
 */

export type AuthScheme = 'basic' | 'bearer_jwt' | 'bearer_opaque' | 'api_key' | 'session_cookie' | 'other';

export interface AuthObservation {
  scheme: AuthScheme;
  /** Where the credential was: `header`, `query` or `cookie`. */
  in: 'header' | 'query' | 'cookie';
  /** Header, query parameter or cookie name (lower-case for headers). */
  name: string;
  /** `other`: the Authorization scheme token, e.g. `Digest`. */
  authScheme?: string;
  /** `bearer_jwt`: JOSE header `alg`, `iss` claim, sorted claim names. */
  jwtAlg?: string;
  jwtIssuer?: string;
  jwtClaims?: string[];
}

export const API_KEY_HEADERS: ReadonlySet<string> = new Set([
  'x-api-key', 'api-key', 'apikey', 'x-apikey', 'x-api-token', 'x-auth-token', 'x-access-token', 'x-token',
  'x-functions-key', 'ocp-apim-subscription-key', 'x-goog-api-key', 'x-client-secret',
]);
export const API_KEY_QUERY: ReadonlySet<string> = new Set([
  'api_key', 'apikey', 'api-key', 'key', 'token', 'auth', 'auth_token', 'x-api-key', 'apitoken', 'api_token',
]);
const SESSION_COOKIE_RE = /^(?:jsessionid|phpsessid|asp\.net_sessionid|connect\.sid|sid|sessionid|session|session_id|sess|_session_id|laravel_session|ci_session|rack\.session|express:sess|_?[a-z0-9_-]*_session|auth_token|access_token|id_token|remember_token|__host-session|__secure-session)$/i;

/** True when `name` is a conventional session or auth cookie name. */
export function isSessionCookieName(name: string): boolean {
  return SESSION_COOKIE_RE.test(name);
}

const B64URL_PART_RE = /^[A-Za-z0-9_-]+$/;

/** JOSE header and claims of a JWS compact token. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/**
 * One-entry memo: the inventory, the principal resolver and the detection
 * input all decode the bearer token of the same request, one after another.
 */
let lastToken: string | null = null;
let lastJwt: DecodedJwt | null = null;

/**
 * Decoded JOSE header and claims of a JWS compact token, or null when it is
 * not one. The result of the previous call is returned again for the same
 * token, so it is shared: callers must not modify it.
 */
export function decodeJwt(token: string): DecodedJwt | null {
  if (token === lastToken) return lastJwt;
  const jwt = decodeJwtUncached(token);
  lastToken = token;
  lastJwt = jwt;
  return jwt;
}

function decodeJwtUncached(token: string): DecodedJwt | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1]) return null;
  if (!B64URL_PART_RE.test(parts[0]) || !B64URL_PART_RE.test(parts[1]) || (parts[2] !== '' && !B64URL_PART_RE.test(parts[2]!))) {
    return null;
  }
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (!isPlainObject(header) || !isPlainObject(claims) || typeof header.alg !== 'string') return null;
    return { header, claims };
  } catch {
    return null;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function tokenObservation(token: string, where: AuthObservation['in'], name: string, jwtScheme: AuthScheme, opaque: AuthScheme): AuthObservation {
  const jwt = decodeJwt(token);
  if (!jwt) return { scheme: opaque, in: where, name };
  const o: AuthObservation = {
    scheme: jwtScheme,
    in: where,
    name,
    jwtAlg: jwt.header.alg as string,
    jwtClaims: Object.keys(jwt.claims).sort(),
  };
  if (typeof jwt.claims.iss === 'string') o.jwtIssuer = jwt.claims.iss.slice(0, 256);
  return o;
}

/** Cookie names of a `Cookie` header value (RFC 6265 §5.4), in order. */
export function cookieNames(cookieHeader: string): string[] {
  const out: string[] = [];
  for (const pair of cookieHeader.split(';')) {
    const eq = pair.indexOf('=');
    const name = (eq >= 0 ? pair.slice(0, eq) : pair).trim();
    if (name) out.push(name);
  }
  return out;
}

/**
 * Credentials carried by one request. `headers` are the request header fields
 * (any name case); `query` the decoded query parameters. Returns [] when the
 * request is unauthenticated; otherwise one observation per credential, in
 * the order Authorization, key headers, query, cookies.
 */
export function detectAuth(
  headers: readonly (readonly [string, string])[],
  query: readonly (readonly [string, string])[] = [],
): AuthObservation[] {
  const out: AuthObservation[] = [];
  const cookies: string[] = [];
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (name === 'authorization' || name === 'proxy-authorization') {
      if (name === 'proxy-authorization') continue; // credentials for the proxy, not the API
      const v = value.trim();
      const sp = v.indexOf(' ');
      const scheme = (sp >= 0 ? v.slice(0, sp) : v).toLowerCase();
      const cred = sp >= 0 ? v.slice(sp + 1).trim() : '';
      if (scheme === 'basic') out.push({ scheme: 'basic', in: 'header', name });
      else if (scheme === 'bearer') out.push(tokenObservation(cred, 'header', name, 'bearer_jwt', 'bearer_opaque'));
      else if (scheme === 'apikey' || scheme === 'api-key' || scheme === 'token') out.push({ scheme: 'api_key', in: 'header', name, authScheme: v.slice(0, sp >= 0 ? sp : v.length) });
      else if (v.length > 0) out.push({ scheme: 'other', in: 'header', name, authScheme: v.slice(0, sp >= 0 ? sp : Math.min(v.length, 32)) });
    } else if (API_KEY_HEADERS.has(name)) {
      if (value.trim()) out.push({ scheme: 'api_key', in: 'header', name });
    } else if (name === 'cookie') {
      cookies.push(...cookieNames(value));
    }
  }
  for (const [name, value] of query) {
    const n = name.toLowerCase();
    if (!value) continue;
    if (n === 'access_token') out.push(tokenObservation(value, 'query', name, 'bearer_jwt', 'bearer_opaque'));
    else if (API_KEY_QUERY.has(n)) out.push({ scheme: 'api_key', in: 'query', name });
  }
  for (const c of cookies) if (isSessionCookieName(c)) out.push({ scheme: 'session_cookie', in: 'cookie', name: c });
  return out;
}

/** Aggregated auth of one endpoint: JSON-serializable, mergeable. */
export interface AuthStats {
  /** Requests classified. */
  requests: number;
  /** Requests with no credential at all. */
  unauthenticated: number;
  /** Key `scheme:in:name` → counts and JWT detail. */
  schemes: Record<string, AuthSchemeStats>;
}

export interface AuthSchemeStats {
  scheme: AuthScheme;
  in: AuthObservation['in'];
  name: string;
  count: number;
  authScheme?: string;
  /** JWT `alg` values with counts. */
  jwtAlgs?: Record<string, number>;
  /** JWT issuers with counts (at most 16 kept). */
  jwtIssuers?: Record<string, number>;
  /** Union of JWT claim names (at most 64 kept), sorted. */
  jwtClaims?: string[];
}

export function newAuthStats(): AuthStats {
  return { requests: 0, unauthenticated: 0, schemes: {} };
}

/** Add the observations of one request. */
export function addAuth(stats: AuthStats, obs: readonly AuthObservation[]): void {
  stats.requests++;
  if (obs.length === 0) stats.unauthenticated++;
  for (const o of obs) {
    const key = `${o.scheme}:${o.in}:${o.name}`;
    const s = (stats.schemes[key] ??= { scheme: o.scheme, in: o.in, name: o.name, count: 0 });
    s.count++;
    if (o.authScheme && !s.authScheme) s.authScheme = o.authScheme;
    if (o.jwtAlg) countInto((s.jwtAlgs ??= {}), o.jwtAlg, 1, 16);
    if (o.jwtIssuer) countInto((s.jwtIssuers ??= {}), o.jwtIssuer, 1, 16);
    if (o.jwtClaims) s.jwtClaims = unionSorted(s.jwtClaims ?? [], o.jwtClaims, 64);
  }
}

/** Merge `src` into `dst`. */
export function mergeAuth(dst: AuthStats, src: AuthStats): void {
  dst.requests += src.requests;
  dst.unauthenticated += src.unauthenticated;
  for (const key of Object.keys(src.schemes)) {
    const s = src.schemes[key]!;
    const d = (dst.schemes[key] ??= { scheme: s.scheme, in: s.in, name: s.name, count: 0 });
    d.count += s.count;
    if (s.authScheme && !d.authScheme) d.authScheme = s.authScheme;
    for (const [k, n] of Object.entries(s.jwtAlgs ?? {})) countInto((d.jwtAlgs ??= {}), k, n, 16);
    for (const [k, n] of Object.entries(s.jwtIssuers ?? {})) countInto((d.jwtIssuers ??= {}), k, n, 16);
    if (s.jwtClaims) d.jwtClaims = unionSorted(d.jwtClaims ?? [], s.jwtClaims, 64);
  }
}

/** Share of requests without credentials (0..1); 0 when none were seen. */
export function unauthenticatedRatio(stats: AuthStats): number {
  return stats.requests === 0 ? 0 : stats.unauthenticated / stats.requests;
}

function countInto(rec: Record<string, number>, key: string, n: number, cap: number): void {
  if (rec[key] === undefined && Object.keys(rec).length >= cap) return;
  rec[key] = (rec[key] ?? 0) + n;
}

function unionSorted(a: readonly string[], b: readonly string[], cap: number): string[] {
  const set = new Set(a);
  for (const x of b) if (set.size < cap) set.add(x);
  return [...set].sort();
}
