/**
 * Errors of the HTTP API and of refused WebSocket upgrades, as JSON bodies
 * `{"error":{"code":"ERR_…","message":"…"}}` with a stable code:
 *
 * | code                      | status | meaning / fix                                              |
 * |---------------------------|--------|------------------------------------------------------------|
 * | ERR_AUTH_MISSING          | 401    | no bearer token: send `Authorization: Bearer <token>`      |
 * | ERR_AUTH_INVALID          | 401    | unknown token                                              |
 * | ERR_AUTH_EXPIRED          | 401    | the token's expiry has passed: get a new one               |
 * | ERR_ORIGIN_FORBIDDEN      | 403    | browser Origin not in the allowed origins                  |
 * | ERR_NOT_FOUND             | 404    | no such route or endpoint id                               |
 * | ERR_METHOD_NOT_ALLOWED    | 405    | only GET (and HEAD) are served                             |
 * | ERR_BAD_PARAM             | 400    | a query parameter is unknown for the route or has a bad value |
 * | ERR_BAD_FILTER            | 400    | a stream filter has a bad value (see stream-filter.ts)     |
 * | ERR_HOST_REQUIRED         | 400    | `/v1/openapi`: several APIs; name one with `host=` (and `tenant=`) |
 * | ERR_UPGRADE_REQUIRED      | 426    | `/v1/stream` is a WebSocket endpoint                       |
 * | ERR_TOO_MANY_CLIENTS      | 503    | the stream's `maxClients` are connected: retry later       |
 * | ERR_SHUTTING_DOWN         | 503    | the service is stopping: reconnect to its successor        |
 * | ERR_NOT_READY             | 503    | `/readyz`: the pipeline has not started (or is stopping)    |
 * | ERR_INVENTORY_UNAVAILABLE | 501    | this service has no inventory attached                     |
 * | ERR_INTERNAL              | 500    | a bug: see the service log                                 |
 */
import { STATUS_CODES, type OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';

export type HttpErrorCode =
  | 'ERR_AUTH_MISSING' | 'ERR_AUTH_INVALID' | 'ERR_AUTH_EXPIRED' | 'ERR_ORIGIN_FORBIDDEN' | 'ERR_NOT_FOUND'
  | 'ERR_METHOD_NOT_ALLOWED' | 'ERR_BAD_PARAM' | 'ERR_BAD_FILTER' | 'ERR_UPGRADE_REQUIRED' | 'ERR_TOO_MANY_CLIENTS'
  | 'ERR_SHUTTING_DOWN' | 'ERR_NOT_READY' | 'ERR_INVENTORY_UNAVAILABLE' | 'ERR_INTERNAL' | 'ERR_HOST_REQUIRED';

export const HTTP_ERROR_STATUS: Readonly<Record<HttpErrorCode, number>> = Object.freeze({
  ERR_AUTH_MISSING: 401, ERR_AUTH_INVALID: 401, ERR_AUTH_EXPIRED: 401, ERR_ORIGIN_FORBIDDEN: 403, ERR_NOT_FOUND: 404,
  ERR_METHOD_NOT_ALLOWED: 405, ERR_BAD_PARAM: 400, ERR_BAD_FILTER: 400, ERR_UPGRADE_REQUIRED: 426,
  ERR_TOO_MANY_CLIENTS: 503, ERR_SHUTTING_DOWN: 503, ERR_NOT_READY: 503, ERR_INVENTORY_UNAVAILABLE: 501, ERR_INTERNAL: 500,
  ERR_HOST_REQUIRED: 400,
});

/** Thrown by route handlers; turned into a JSON error response. */
export class HttpError extends Error {
  readonly code: HttpErrorCode;
  readonly status: number;

  constructor(code: HttpErrorCode, message: string) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.status = HTTP_ERROR_STATUS[code];
  }
}

function body(code: HttpErrorCode, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

function extraHeaders(code: HttpErrorCode): Record<string, string> {
  if (HTTP_ERROR_STATUS[code] === 401) return { 'WWW-Authenticate': 'Bearer realm="apisensor"' };
  if (code === 'ERR_METHOD_NOT_ALLOWED') return { Allow: 'GET, HEAD' };
  if (code === 'ERR_UPGRADE_REQUIRED') return { Upgrade: 'websocket' };
  return {};
}

/** Send an error on an HTTP response. */
export function sendError(res: { writeHead(status: number, headers: OutgoingHttpHeaders): unknown; end(text: string): unknown }, code: HttpErrorCode, message: string): void {
  const text = body(code, message);
  res.writeHead(HTTP_ERROR_STATUS[code], {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...extraHeaders(code),
  });
  res.end(text);
}

/** Refuse a WebSocket upgrade: write an HTTP error response on the raw socket and close it. */
export function refuseUpgrade(socket: Duplex, code: HttpErrorCode, message: string): void {
  const status = HTTP_ERROR_STATUS[code];
  const text = body(code, message);
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    Connection: 'close',
    ...extraHeaders(code),
  };
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`
    + Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
  if (socket.writable) socket.end(head + text);
  else socket.destroy();
}
