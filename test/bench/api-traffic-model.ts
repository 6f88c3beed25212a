/**
 * ApiTrafficModel: builds the HTTP/1.1 request/response pairs of the synthetic
 * REST API capture (RFC 9112 message syntax), deterministically from a
 * SeededRandom.
 *
 * Bodies come from pools built once per model (so 500 MB of traffic costs no
 * per-message JSON generation or compression):
 * - 192 JSON response bodies, sizes log-uniform in 100 B .. 64 KiB;
 * - 24 of them gzip-compressed with node:zlib (served with Content-Encoding: gzip);
 * - 48 JSON request bodies (POST/PUT), 60 B .. 8 KiB.
 * Response framing: Content-Length, chunked (random chunk sizes), or gzip with
 * either; 204 has no body (RFC 9110 §15.3.5).
 */
import { gzipSync } from 'node:zlib';
import type { SeededRandom } from './seeded-random.js';

/** One generated exchange; `request` / `response` are complete wire messages. */
export interface ApiExchange {
  method: string;
  /** Request target as written on the wire. */
  uri: string;
  host: string;
  status: number;
  request: Buffer;
  response: Buffer;
}

const RESPONSE_POOL_SIZE = 192;
const GZIP_POOL_SIZE = 24;
const REQUEST_POOL_SIZE = 48;
const MIN_RESPONSE_BODY = 100;
const MAX_RESPONSE_BODY = 64 * 1024;

/** User-Agent values, one per simulated client. */
export const USER_AGENTS: readonly string[] = [
  'okhttp/4.12.0',
  'python-requests/2.31.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'axios/1.6.8',
  'curl/8.5.0',
  'Go-http-client/1.1',
];
const FIRST_NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar'];
const CATEGORIES = ['shoes', 'books', 'garden', 'toys', 'audio', 'kitchen'];
const SEARCH_TERMS = ['red%20shoes', 'usb-c', 'caf%C3%A9', 'garden+hose', 'a%2Fb'];
const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 401: 'Unauthorized', 404: 'Not Found', 422: 'Unprocessable Entity',
};

export class ApiTrafficModel {
  #rng: SeededRandom;
  #responseBodies: Buffer[] = [];
  #gzipBodies: Buffer[] = [];
  #requestBodies: Buffer[] = [];
  #requestCounter = 0;

  constructor(rng: SeededRandom) {
    this.#rng = rng;
    for (let i = 0; i < RESPONSE_POOL_SIZE; i++) {
      this.#responseBodies.push(Buffer.from(jsonList(rng, rng.logInt(MIN_RESPONSE_BODY, MAX_RESPONSE_BODY))));
    }
    for (let i = 0; i < GZIP_POOL_SIZE; i++) {
      this.#gzipBodies.push(gzipSync(this.#responseBodies[i]!, { level: 6 }));
    }
    for (let i = 0; i < REQUEST_POOL_SIZE; i++) {
      this.#requestBodies.push(Buffer.from(jsonObject(rng, rng.logInt(60, 8192))));
    }
  }

  /**
   * Next exchange for `host`; `close` adds `Connection: close` to both messages.
   * @param dateMs packet time used for the Date header (ms since epoch).
   */
  next(host: string, userAgent: string, token: string, close: boolean, dateMs: number): ApiExchange {
    const rng = this.#rng;
    const id = rng.int(1, 250000);
    const r = rng.next();
    let method = 'GET';
    let uri: string;
    let status = 200;
    let requestBody: Buffer | null = null;
    if (r < 0.28) {
      uri = `/api/v1/users/${id}`;
      if (rng.chance(0.08)) status = 404;
    } else if (r < 0.40) {
      uri = `/api/v1/users?page=${rng.int(1, 40)}&limit=50`;
    } else if (r < 0.55) {
      uri = rng.chance(0.5) ? `/api/v1/orders/${id}/items` : `/api/v1/orders/${id}/items?page=${rng.int(1, 9)}`;
    } else if (r < 0.65) {
      uri = `/api/v1/products?category=${rng.pick(CATEGORIES)}&page=${rng.int(1, 20)}&sort=price`;
    } else if (r < 0.68) {
      uri = `/api/v2/search?q=${rng.pick(SEARCH_TERMS)}&page=${rng.int(1, 5)}`;
    } else if (r < 0.80) {
      method = 'POST';
      uri = '/api/v1/orders';
      status = rng.chance(0.9) ? 201 : 422;
      requestBody = rng.pick(this.#requestBodies);
    } else if (r < 0.90) {
      method = 'PUT';
      uri = `/api/v1/users/${id}`;
      requestBody = rng.pick(this.#requestBodies);
    } else if (r < 0.95) {
      method = 'DELETE';
      uri = `/api/v1/orders/${id}/items/${rng.int(1, 30)}`;
      status = 204;
    } else {
      method = 'POST';
      uri = '/api/v1/auth/token';
      status = rng.chance(0.8) ? 200 : 401;
      requestBody = rng.pick(this.#requestBodies);
    }
    this.#requestCounter++;

    let head = `${method} ${uri} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${userAgent}\r\n` +
      `Accept: application/json\r\nAccept-Encoding: gzip, deflate\r\nAuthorization: Bearer ${token}\r\n`;
    if (requestBody !== null) {
      head += `Content-Type: application/json\r\nContent-Length: ${requestBody.length}\r\n`;
    }
    if (close) head += 'Connection: close\r\n';
    head += '\r\n';
    const request = requestBody === null
      ? Buffer.from(head, 'latin1')
      : Buffer.concat([Buffer.from(head, 'latin1'), requestBody]);

    return { method, uri, host, status, request, response: this.#response(status, close, dateMs) };
  }

  #response(status: number, close: boolean, dateMs: number): Buffer {
    const rng = this.#rng;
    let head = `HTTP/1.1 ${status} ${REASONS[status]}\r\nDate: ${new Date(dateMs).toUTCString()}\r\n` +
      `Server: nginx/1.24.0\r\nX-Request-Id: ${(this.#requestCounter * 2654435761 >>> 0).toString(16).padStart(8, '0')}\r\n`;
    if (close) head += 'Connection: close\r\n';
    if (status === 204) return Buffer.from(head + '\r\n', 'latin1');
    head += 'Content-Type: application/json; charset=utf-8\r\n';
    if (status >= 400) {
      const body = Buffer.from(`{"error":{"code":${status},"message":"${REASONS[status]}","requestId":${this.#requestCounter}}}`);
      return Buffer.concat([Buffer.from(`${head}Content-Length: ${body.length}\r\n\r\n`, 'latin1'), body]);
    }
    const f = rng.next();
    let body: Buffer;
    if (f < 0.2) {
      body = rng.pick(this.#gzipBodies);
      head += 'Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n';
    } else {
      body = rng.pick(this.#responseBodies);
    }
    const chunked = f < 0.2 ? rng.chance(0.4) : f > 0.65;
    if (!chunked) {
      return Buffer.concat([Buffer.from(`${head}Content-Length: ${body.length}\r\n\r\n`, 'latin1'), body]);
    }
    const parts: Buffer[] = [Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\n`, 'latin1')];
    for (let at = 0; at < body.length;) {
      const n = Math.min(body.length - at, rng.logInt(256, 16384));
      parts.push(Buffer.from(`${n.toString(16)}\r\n`, 'latin1'), body.subarray(at, at + n), CRLF);
      at += n;
    }
    parts.push(LAST_CHUNK);
    return Buffer.concat(parts);
  }
}

const CRLF = Buffer.from('\r\n', 'latin1');
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

/** A JSON list response (`{"data":[...],"page":..}`) of about `targetBytes` (at least one item). */
function jsonList(rng: SeededRandom, targetBytes: number): string {
  if (targetBytes < 220) return jsonUser(rng);
  const items: string[] = [];
  let size = 40;
  while (size < targetBytes) {
    const item = jsonUser(rng);
    items.push(item);
    size += item.length + 1;
  }
  return `{"data":[${items.join(',')}],"page":${rng.int(1, 40)},"total":${rng.int(items.length, 5000)}}`;
}

function jsonUser(rng: SeededRandom): string {
  const name = rng.pick(FIRST_NAMES);
  const id = rng.int(1, 250000);
  return `{"id":${id},"name":"${name[0]!.toUpperCase()}${name.slice(1)} Example","email":"${name}${id}@example.com",` +
    `"status":"${rng.chance(0.9) ? 'active' : 'suspended'}","createdAt":"2024-0${rng.int(1, 9)}-1${rng.int(0, 9)}T0${rng.int(0, 9)}:1${rng.int(0, 9)}:00Z",` +
    `"balance":${rng.int(0, 99999) / 100}}`;
}

/** A JSON request body (order / user update) of about `targetBytes`. */
function jsonObject(rng: SeededRandom, targetBytes: number): string {
  const lines: string[] = [];
  let size = 60;
  while (size < targetBytes) {
    const line = `{"sku":"SKU-${rng.int(10000, 99999)}","qty":${rng.int(1, 9)},"price":${rng.int(100, 99999) / 100}}`;
    lines.push(line);
    size += line.length + 1;
  }
  return `{"customerId":${rng.int(1, 250000)},"currency":"EUR","items":[${lines.join(',')}]}`;
}
