/**
 * RequestGuard: the checks every protected request passes, for the HTTP API
 * and the WebSocket upgrade alike: bearer token (token-store.ts) and, for
 * requests that carry an `Origin` header (browsers), the origin check.
 *
 * Origin rule: with `allowedOrigins` configured, the Origin must be one of
 * them exactly (scheme://host[:port], e.g. `https://soc.example.com`);
 * without, only same-origin requests pass (Origin's host:port equals the Host
 * header). Requests without Origin (non-browser clients) pass.
 */
import type { IncomingMessage } from 'node:http';
import type { HttpErrorCode } from './http-errors.js';
import { presentedToken, type TokenStore } from './token-store.js';

export type GuardResult =
  | { ok: true; principal: string; expiresAtMs: number | null }
  | { ok: false; code: HttpErrorCode; reason: string; message: string };

export class RequestGuard {
  readonly #tokens: TokenStore | null;
  readonly #origins: ReadonlySet<string> | null;

  /** `tokens` null: no authentication (the service allows it only on loopback with an explicit flag). */
  constructor(tokens: TokenStore | null, allowedOrigins: readonly string[] = []) {
    this.#tokens = tokens;
    this.#origins = allowedOrigins.length > 0 ? new Set(allowedOrigins.map((o) => o.replace(/\/+$/, '').toLowerCase())) : null;
  }

  get authRequired(): boolean {
    return this.#tokens !== null;
  }

  /** Token check only. */
  authenticate(req: Pick<IncomingMessage, 'headers'>, nowMs = Date.now()): GuardResult {
    if (this.#tokens === null) return { ok: true, principal: 'anonymous', expiresAtMs: null };
    const r = this.#tokens.verify(presentedToken(req.headers), nowMs);
    if (r.ok) return { ok: true, principal: r.name, expiresAtMs: r.expiresAtMs };
    switch (r.reason) {
      case 'missing':
        return { ok: false, code: 'ERR_AUTH_MISSING', reason: 'auth_missing', message: 'a bearer token is required' };
      case 'expired':
        return { ok: false, code: 'ERR_AUTH_EXPIRED', reason: 'auth_expired', message: 'the bearer token has expired' };
      default:
        return { ok: false, code: 'ERR_AUTH_INVALID', reason: 'auth_invalid', message: 'the bearer token is not valid' };
    }
  }

  /** Origin check only; null when it passes. */
  checkOrigin(req: Pick<IncomingMessage, 'headers'>): GuardResult | null {
    const origin = req.headers.origin;
    if (origin === undefined) return null;
    const o = origin.toLowerCase();
    let pass: boolean;
    if (this.#origins) {
      pass = this.#origins.has(o);
    } else {
      let host: string | null = null;
      try {
        host = new URL(o).host;
      } catch {
        host = null;
      }
      pass = host !== null && host === (req.headers.host ?? '').toLowerCase();
    }
    return pass ? null : { ok: false, code: 'ERR_ORIGIN_FORBIDDEN', reason: 'origin', message: `origin ${origin} is not allowed` };
  }
}
