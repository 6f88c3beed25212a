/**
 * TokenStore: the bearer tokens (RFC 6750) that may use the stream and the
 * HTTP API. Only SHA-256 digests of the tokens are kept in memory.
 *
 * Sources:
 *  - environment `APISENSOR_TOKENS`: comma-separated entries `[name=]token[@expiry]`;
 *  - a token file (`--token-file`): one entry per line in the same form
 *    (blank lines and `#` comments ignored), or a JSON array of
 *    `{ "token": "...", "name": "...", "expiresAt": "2026-01-01T00:00:00Z" }`.
 * `expiry` is an ISO 8601 date-time (or date), compared with the wall clock.
 *
 * Token syntax: 16..512 characters of `A-Z a-z 0-9 - . _ ~` so a browser can
 * send it as a `Sec-WebSocket-Protocol` entry `bearer.<token>` (an RFC 9110
 * token) as well as in `Authorization: Bearer <token>`.
 *
 * Errors: UsageError `ERR_TOKEN_FORMAT` (bad entry), `ERR_TOKEN_FILE` (unreadable file).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { UsageError } from '../errors.js';

export interface TokenEntry {
  token: string;
  /** Who holds it (logs, metrics labels); default `token-N`. */
  name?: string;
  /** Expiry, milliseconds since the epoch; absent: never. */
  expiresAtMs?: number;
}

/** A token as kept in memory (SHA-256 hex digest), for handing a store to another thread. */
export interface TokenDigest {
  digestHex: string;
  name: string;
  expiresAtMs: number | null;
}

export type AuthResult =
  | { ok: true; name: string; expiresAtMs: number | null }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

/** Subprotocol prefix carrying a token for browsers: `bearer.<token>`. */
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';
const TOKEN_RE = /^[A-Za-z0-9\-._~]{16,512}$/;

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function parseExpiry(s: string, where: string): number {
  const ms = Date.parse(s);
  if (!Number.isFinite(ms)) throw new UsageError(`${where}: bad expiry '${s}' (ISO 8601 expected)`, 'ERR_TOKEN_FORMAT');
  return ms;
}

/** Parse one `[name=]token[@expiry]` entry. */
export function parseTokenEntry(text: string, where: string): TokenEntry {
  let rest = text.trim();
  let name: string | undefined;
  const eq = rest.indexOf('=');
  if (eq > 0) {
    name = rest.slice(0, eq);
    rest = rest.slice(eq + 1);
  }
  let expiresAtMs: number | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    expiresAtMs = parseExpiry(rest.slice(at + 1), where);
    rest = rest.slice(0, at);
  }
  const entry: TokenEntry = { token: rest };
  if (name !== undefined) entry.name = name;
  if (expiresAtMs !== undefined) entry.expiresAtMs = expiresAtMs;
  return entry;
}

export class TokenStore {
  readonly #byDigest = new Map<string, { digest: Buffer; name: string; expiresAtMs: number | null }>();

  constructor(entries: readonly TokenEntry[] = []) {
    entries.forEach((e, i) => this.add(e, `token ${i + 1}`));
  }

  /** Tokens from `APISENSOR_TOKENS` (when set) and from `file` (when given). */
  static load(options: { env?: string | undefined; file?: string | undefined }): TokenStore {
    const store = new TokenStore();
    if (options.env) {
      options.env.split(',').filter((s) => s.trim() !== '').forEach((s, i) => store.add(parseTokenEntry(s, `APISENSOR_TOKENS entry ${i + 1}`), `APISENSOR_TOKENS entry ${i + 1}`));
    }
    if (options.file) {
      let text: string;
      try {
        text = readFileSync(options.file, 'utf8');
      } catch (err) {
        throw new UsageError(`${options.file}: cannot read token file: ${(err as Error).message}`, 'ERR_TOKEN_FILE');
      }
      if (text.trimStart().startsWith('[')) {
        let arr: unknown;
        try {
          arr = JSON.parse(text);
        } catch (err) {
          throw new UsageError(`${options.file}: bad JSON: ${(err as Error).message}`, 'ERR_TOKEN_FORMAT');
        }
        if (!Array.isArray(arr)) throw new UsageError(`${options.file}: expected a JSON array`, 'ERR_TOKEN_FORMAT');
        arr.forEach((o: unknown, i) => {
          const r = (o ?? {}) as Record<string, unknown>;
          const where = `${options.file} entry ${i + 1}`;
          if (typeof r.token !== 'string') throw new UsageError(`${where}: missing "token"`, 'ERR_TOKEN_FORMAT');
          const e: TokenEntry = { token: r.token };
          if (typeof r.name === 'string') e.name = r.name;
          if (typeof r.expiresAt === 'string') e.expiresAtMs = parseExpiry(r.expiresAt, where);
          store.add(e, where);
        });
      } else {
        text.split('\n').forEach((line, i) => {
          const l = line.trim();
          if (l === '' || l.startsWith('#')) return;
          store.add(parseTokenEntry(l, `${options.file}:${i + 1}`), `${options.file}:${i + 1}`);
        });
      }
    }
    return store;
  }

  /** A store holding `digests` (from `digests()` of another store). */
  static fromDigests(digests: readonly TokenDigest[]): TokenStore {
    const store = new TokenStore();
    for (const d of digests) store.#byDigest.set(d.digestHex, { digest: Buffer.from(d.digestHex, 'hex'), name: d.name, expiresAtMs: d.expiresAtMs });
    return store;
  }

  get size(): number {
    return this.#byDigest.size;
  }

  /** The digests held (no raw token), structured-cloneable. */
  digests(): TokenDigest[] {
    return [...this.#byDigest].map(([digestHex, v]) => ({ digestHex, name: v.name, expiresAtMs: v.expiresAtMs }));
  }

  add(entry: TokenEntry, where = 'token'): void {
    if (!TOKEN_RE.test(entry.token)) {
      throw new UsageError(`${where}: a token is 16 to 512 characters of A-Z a-z 0-9 - . _ ~`, 'ERR_TOKEN_FORMAT');
    }
    const d = digest(entry.token);
    this.#byDigest.set(d.toString('hex'), {
      digest: d,
      name: entry.name ?? `token-${this.#byDigest.size + 1}`,
      expiresAtMs: entry.expiresAtMs ?? null,
    });
  }

  /** Check a presented token (null when none was presented) at wall-clock time `nowMs`. */
  verify(token: string | null, nowMs = Date.now()): AuthResult {
    if (token === null || token === '') return { ok: false, reason: 'missing' };
    const d = digest(token);
    const hit = this.#byDigest.get(d.toString('hex'));
    if (!hit || !timingSafeEqual(hit.digest, d)) return { ok: false, reason: 'invalid' };
    if (hit.expiresAtMs !== null && nowMs >= hit.expiresAtMs) return { ok: false, reason: 'expired' };
    return { ok: true, name: hit.name, expiresAtMs: hit.expiresAtMs };
  }
}

/**
 * The token a request presents: `Authorization: Bearer <token>` first, else
 * (WebSocket upgrades from browsers) a `Sec-WebSocket-Protocol` entry
 * `bearer.<token>`. Null when neither is present (another Authorization
 * scheme, e.g. Basic, counts as no token).
 */
export function presentedToken(headers: IncomingHttpHeaders): string | null {
  const auth = headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(auth);
    if (m) return m[1]!;
  }
  const protos = headers['sec-websocket-protocol'];
  if (protos !== undefined) {
    for (const p of protos.split(',')) {
      const t = p.trim();
      if (t.startsWith(BEARER_SUBPROTOCOL_PREFIX)) return t.slice(BEARER_SUBPROTOCOL_PREFIX.length);
    }
  }
  return null;
}
