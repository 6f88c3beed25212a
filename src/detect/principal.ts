/**
 * Principal resolution: who made a call (issue 4 §1).
 *
 * Order of precedence, first match wins:
 *   1. API key: a key header (`X-API-Key`, … see inventory/auth-detect.ts
 *      `API_KEY_HEADERS`), `Authorization: ApiKey|Api-Key|Token <key>`, or a key
 *      query parameter (`API_KEY_QUERY`);
 *   2. JWT `sub`: `Authorization: Bearer <JWS>` or `?access_token=<JWS>`; the
 *      payload is decoded, NEVER verified (RFC 7519 §7.2 steps 1-8 without the
 *      signature check) — a forged `sub` is still "who claimed to call";
 *      a bearer token that is not a JWT counts as an API key;
 *   3. session cookie (a conventional session cookie name, RFC 6265 §5.4);
 *   4. Basic user name (RFC 7617 §2, the user-id before the first colon);
 *   5. else the client IP address.
 *
 * Credentials are never kept: `id` is `HMAC-SHA256(salt, kind + ":" + value)`,
 * the first 16 hex digits (deterministic for one salt). For kind `ip`, `id` is
 * the address itself.
 *
 * Tenants (issue 6 §4): the same address or credential seen in two mirrored
 * tenants (`tenantOf`: `vxlan:101`, `vlan:10`…) is two principals. With a
 * non-empty tenant the hashed input is `tenant + "|" + kind + ":" + value`,
 * and an `ip` id is `address%tenant` (the RFC 4007 §11 zone-index notation:
 * an address is only unique within its zone), e.g. `10.0.0.5%vxlan:101`;
 * `clientIp` stays the bare address. The empty tenant gives the ids above,
 * unchanged.
 *
 * Client address: the TCP peer, unless the peer is a configured trusted proxy;
 * then `Forwarded` (RFC 7239 §5.2 `for=`) or else `X-Forwarded-For` is walked
 * right to left, skipping trusted proxies, and the first untrusted address is
 * the client (the left-most one when all are trusted). Headers from untrusted
 * peers are ignored (anyone can send them).
 */
import { createHmac } from 'node:crypto';
import { API_KEY_HEADERS, API_KEY_QUERY, decodeJwt, isSessionCookieName } from '../inventory/auth-detect.js';
import type { FindingPrincipal, PrincipalKind } from '../findings/finding.js';
import { IpMatcher } from './ip-matcher.js';

export interface PrincipalResolverOptions {
  /** HMAC salt of the sensor (keep it stable to compare principals across runs). Required, non-empty. */
  salt: string;
  /** Trusted proxy addresses or CIDR blocks (`10.0.0.0/8`, `fd00::/8`). Default none. */
  trustedProxies?: readonly string[];
}

/** A resolved principal; `label` is a masked hint for people (`k-fl***81`), never the credential. */
export interface ResolvedPrincipal extends FindingPrincipal {
  /** Masked credential hint; '' for kind `ip`. */
  label: string;
}

/** Credentials seen in one request, before hashing (internal to resolution). */
interface Candidate {
  kind: PrincipalKind;
  value: string;
}

/** Masked hint of a credential: first 3 and last 2 characters at most, never more than a third. */
export function maskCredential(value: string): string {
  if (value.length < 9) return '***';
  return `${value.slice(0, 3)}***${value.slice(-2)}`;
}

/** Cached principal hashes per resolver. */
const HASH_CACHE_SIZE = 8192;

export class PrincipalResolver {
  readonly #salt: string;
  readonly #trusted: IpMatcher;
  readonly #hashCache = new Map<string, string>();

  /** @throws TypeError when `salt` is empty or a trusted proxy entry is not an address/CIDR. */
  constructor(options: PrincipalResolverOptions) {
    if (!options.salt) throw new TypeError('PrincipalResolver: salt is required');
    this.#salt = options.salt;
    this.#trusted = new IpMatcher(options.trustedProxies ?? []);
  }

  /**
   * Salted hash of `kind:value` (`tenant|kind:value` with a tenant), 16 hex digits. Recent results are cached
   * (HASH_CACHE_SIZE entries, cleared when full): a principal calls many
   * times and an HMAC costs microseconds.
   */
  hash(kind: PrincipalKind, value: string, tenant = ''): string {
    const input = tenant === '' ? `${kind}:${value}` : `${tenant}|${kind}:${value}`;
    let h = this.#hashCache.get(input);
    if (h === undefined) {
      if (this.#hashCache.size >= HASH_CACHE_SIZE) this.#hashCache.clear();
      h = createHmac('sha256', this.#salt).update(input).digest('hex').slice(0, 16);
      this.#hashCache.set(input, h);
    }
    return h;
  }

  /**
   * Client address after trusted-proxy resolution.
   * `headers`: request header fields in wire order, any name case.
   */
  clientAddress(peerIp: string, headers: readonly (readonly [string, string])[]): string {
    if (!this.#trusted.matches(peerIp)) return peerIp;
    let chain: string[] | null = null;
    let xff: string[] | null = null;
    for (const [rawName, value] of headers) {
      const name = rawName.toLowerCase();
      if (name === 'forwarded') (chain ??= []).push(...forwardedFor(value));
      else if (name === 'x-forwarded-for') (xff ??= []).push(...value.split(',').map((s) => stripPort(s.trim())).filter(Boolean));
    }
    const hops = chain ?? xff;
    if (!hops || hops.length === 0) return peerIp;
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!this.#trusted.matches(hops[i]!)) return hops[i]!;
    }
    return hops[0]!;
  }

  /**
   * Principal of one request. `query`: decoded query parameters; `tenant`:
   * the transaction's tenant tag ('' for plain traffic).
   * Never throws on malformed credentials (they fall through to the next kind).
   */
  resolve(peerIp: string, headers: readonly (readonly [string, string])[], query: readonly (readonly [string, string])[] = [], tenant = ''): ResolvedPrincipal {
    const clientIp = this.clientAddress(peerIp, headers);
    const c = credentialOf(headers, query);
    if (!c) return { kind: 'ip', id: tenant === '' ? clientIp : `${clientIp}%${tenant}`, clientIp, label: '' };
    return { kind: c.kind, id: this.hash(c.kind, c.value, tenant), clientIp, label: maskCredential(c.value) };
  }
}

/** Best credential of a request, in the documented precedence. */
function credentialOf(headers: readonly (readonly [string, string])[], query: readonly (readonly [string, string])[]): Candidate | null {
  let apiKey: string | null = null;
  let jwtSub: string | null = null;
  let session: string | null = null;
  let basic: string | null = null;
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (name === 'authorization') {
      const v = value.trim();
      const sp = v.indexOf(' ');
      const scheme = (sp >= 0 ? v.slice(0, sp) : v).toLowerCase();
      const cred = sp >= 0 ? v.slice(sp + 1).trim() : '';
      if (!cred) continue;
      if (scheme === 'bearer') {
        const sub = jwtSubject(cred);
        if (sub !== null) jwtSub ??= sub;
        else apiKey ??= cred;
      } else if (scheme === 'apikey' || scheme === 'api-key' || scheme === 'token') {
        apiKey ??= cred;
      } else if (scheme === 'basic') {
        basic ??= basicUser(cred);
      }
    } else if (API_KEY_HEADERS.has(name)) {
      if (value.trim()) apiKey ??= value.trim();
    } else if (name === 'cookie') {
      session ??= sessionCookie(value);
    }
  }
  for (const [name, value] of query) {
    if (!value) continue;
    const n = name.toLowerCase();
    if (n === 'access_token') {
      const sub = jwtSubject(value);
      if (sub !== null) jwtSub ??= sub;
      else apiKey ??= value;
    } else if (API_KEY_QUERY.has(n)) {
      apiKey ??= value;
    }
  }
  if (apiKey !== null) return { kind: 'api_key', value: apiKey };
  if (jwtSub !== null) return { kind: 'jwt_sub', value: jwtSub };
  if (session !== null) return { kind: 'session', value: session };
  if (basic !== null) return { kind: 'basic_user', value: basic };
  return null;
}

/** `sub` claim of a JWS compact token (string or number), or null. */
export function jwtSubject(token: string): string | null {
  const jwt = decodeJwt(token);
  if (!jwt) return null;
  const sub = jwt.claims.sub;
  if (typeof sub === 'string' && sub.length > 0) return sub;
  if (typeof sub === 'number' && Number.isFinite(sub)) return String(sub);
  return null;
}

/** User-id of Basic credentials (RFC 7617 §2), or null when not decodable. */
export function basicUser(b64: string): string | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const text = Buffer.from(b64, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return null;
  return text.slice(0, colon);
}

/** Value of the first session cookie in a Cookie header, or null. */
function sessionCookie(header: string): string | null {
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (value && isSessionCookieName(name)) return `${name}=${value}`;
  }
  return null;
}

/** `for=` addresses of a Forwarded header value (RFC 7239 §4, §6), in order; obfuscated/unknown nodes are skipped. */
export function forwardedFor(value: string): string[] {
  const out: string[] = [];
  for (const element of value.split(',')) {
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0 || pair.slice(0, eq).trim().toLowerCase() !== 'for') continue;
      let v = pair.slice(eq + 1).trim();
      if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      const ip = stripPort(v);
      if (ip && ip !== 'unknown' && !ip.startsWith('_')) out.push(ip);
    }
  }
  return out;
}

/** `1.2.3.4:80` → `1.2.3.4`, `[::1]:80` → `::1`, bare IPv6 unchanged. */
function stripPort(s: string): string {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    return end > 0 ? s.slice(1, end) : s;
  }
  const colon = s.indexOf(':');
  if (colon >= 0 && s.indexOf(':', colon + 1) < 0) return s.slice(0, colon);
  return s;
}
