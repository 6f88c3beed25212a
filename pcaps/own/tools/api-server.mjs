#!/usr/bin/env node
/**
 * api-server.mjs — the small JSON API server our own captures are recorded
 * against (see ../make-captures.sh). node:http only, no dependencies.
 *
 * Usage: node api-server.mjs HOST PORT ACCESS_LOG.jsonl
 *
 * Every finished (or aborted) response appends one JSON line to the access
 * log, in the order the responses finished:
 *   { seq, method, url, host, httpVersion, status, informational[],
 *     requestBodyLength, responseBodyLength, responseBodyDecodedLength,
 *     contentEncoding, transferEncoding, clientIp, clientPort, aborted }
 * - url: the request target exactly as received (node's req.url).
 * - host: the first Host header value as sent, or null.
 * - requestBodyLength: body bytes received after de-chunking.
 * - responseBodyLength: body bytes handed to the socket before chunked framing
 *   (i.e. after content coding: what a reassembler sees after de-chunking).
 * - responseBodyDecodedLength: the same body before content coding.
 * - informational: interim 1xx status codes sent (100 for Expect: 100-continue).
 *
 * Routes (JSON unless noted; responses larger than 1 KiB are content-coded
 * with the first of gzip / deflate (zlib, RFC 9110 §8.4.1.2) / br that the
 * client lists in Accept-Encoding):
 *   GET    /api/v1/users[?...]            200 list (size from ?limit=, default 5)
 *   GET    /api/v1/users/42               200 one user; other ids 404
 *   PUT    /api/v1/users/42               200 echo of the JSON body
 *   DELETE /api/v1/users/42               204
 *   GET    /api/v1/orders/1001[?...]      200 order (items with ?expand=items)
 *   GET    /api/v1/orders/export          200 streamed in chunks (Transfer-Encoding: chunked)
 *   POST   /api/v1/login                  200 token / 400 bad body
 *   GET    /api/v1/me                     401 without `Authorization: Bearer`, else 200
 *   POST   /api/v1/uploads                201 {id, bytes}
 *   GET    /a … /z (one letter)           200 text/plain "<letter>\n" (pipelining)
 *   anything else                         404
 */
import http from 'node:http';
import zlib from 'node:zlib';
import fs from 'node:fs';

const [host = '127.0.0.1', portText = '8080', logPath = 'access.jsonl'] = process.argv.slice(2);
const COMPRESS_MIN = 1024;
let seq = 0;

function users(n) {
  const out = [];
  for (let i = 1; i <= n; i++) {
    out.push({ id: i, name: `user${i}`, email: `user${i}@example.com`, role: i % 7 === 0 ? 'admin' : 'member', active: i % 3 !== 0 });
  }
  return out;
}

function order(expand) {
  const o = { id: 1001, userId: 42, status: 'shipped', total: 129.5, currency: 'EUR' };
  if (expand) o.items = [
    { sku: 'A-100', qty: 2, price: 19.75 },
    { sku: 'B-220', qty: 1, price: 90.0 },
  ];
  return o;
}

/** First of gzip/deflate/br listed by the client (q=0 ignored), or null. */
function pickEncoding(req) {
  const ae = req.headers['accept-encoding'];
  if (!ae) return null;
  for (const part of ae.split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';');
    if (params.some((p) => p.trim() === 'q=0')) continue;
    if (token === 'gzip' || token === 'deflate' || token === 'br') return token;
  }
  return null;
}

function encodeSync(enc, buf) {
  if (enc === 'gzip') return zlib.gzipSync(buf);
  if (enc === 'deflate') return zlib.deflateSync(buf);
  return zlib.brotliCompressSync(buf);
}

function encodeStream(enc) {
  if (enc === 'gzip') return zlib.createGzip();
  if (enc === 'deflate') return zlib.createDeflate();
  return zlib.createBrotliCompress();
}

const server = http.createServer({ keepAliveTimeout: 30_000 });

function track(req, res) {
  const t = { requestBodyLength: 0, responseBodyLength: 0, responseBodyDecodedLength: 0, informational: [], logged: false };
  req.on('data', (c) => { t.requestBodyLength += c.length; });
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  const count = (c, e) => {
    if (c == null || typeof c === 'function') return;
    t.responseBodyLength += typeof c === 'string' ? Buffer.byteLength(c, typeof e === 'string' ? e : 'utf8') : c.length;
  };
  res.write = (c, e, cb) => { count(c, e); return write(c, e, cb); };
  res.end = (c, e, cb) => { count(c, e); return end(c, e, cb); };
  const log = (aborted) => {
    if (t.logged) return;
    t.logged = true;
    const ce = res.getHeader('content-encoding');
    const te = res.getHeader('transfer-encoding');
    const line = {
      seq: seq++,
      method: req.method,
      url: req.url,
      host: req.headers.host ?? null,
      httpVersion: req.httpVersion,
      status: res.statusCode,
      informational: t.informational,
      requestBodyLength: t.requestBodyLength,
      responseBodyLength: req.method === 'HEAD' ? 0 : t.responseBodyLength,
      responseBodyDecodedLength: req.method === 'HEAD' ? 0 : t.responseBodyDecodedLength,
      contentEncoding: ce == null ? null : String(ce),
      transferEncoding: te == null ? (res.chunkedEncoding ? 'chunked' : null) : String(te),
      clientIp: req.socket.remoteAddress,
      clientPort: req.socket.remotePort,
      aborted,
    };
    fs.appendFileSync(logPath, JSON.stringify(line) + '\n');
  };
  res.on('finish', () => log(false));
  res.on('close', () => log(!res.writableFinished));
  return t;
}

/** Send a complete body (content-coded when large and accepted). */
function send(req, res, t, status, body, type = 'application/json') {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  t.responseBodyDecodedLength = raw.length;
  const enc = raw.length > COMPRESS_MIN ? pickEncoding(req) : null;
  const wire = enc ? encodeSync(enc, raw) : raw;
  res.setHeader('content-type', type);
  res.setHeader('content-length', wire.length);
  if (enc) { res.setHeader('content-encoding', enc); res.setHeader('vary', 'Accept-Encoding'); }
  res.writeHead(status);
  res.end(wire);
}

/** Stream a body in several writes without Content-Length (chunked). */
function stream(req, res, t) {
  const enc = pickEncoding(req);
  res.setHeader('content-type', 'application/x-ndjson');
  if (enc) { res.setHeader('content-encoding', enc); res.setHeader('vary', 'Accept-Encoding'); }
  res.writeHead(200);
  const sink = enc ? encodeStream(enc) : res;
  if (enc) sink.pipe(res);
  let i = 0;
  const next = () => {
    if (i === 6) { sink.end(); return; }
    const line = Buffer.from(JSON.stringify({ orderId: 1000 + i, status: i % 2 ? 'paid' : 'shipped', lines: users(i + 1) }) + '\n');
    t.responseBodyDecodedLength += line.length;
    sink.write(line);
    if (enc) sink.flush();
    i++;
    setTimeout(next, 5);
  };
  next();
}

function readJson(req, done) {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const text = Buffer.concat(parts).toString('utf8');
    try { done(text.length ? JSON.parse(text) : null, text.length); } catch { done(undefined, text.length); }
  });
}

function handle(req, res) {
  route(req, res, track(req, res));
}

function route(req, res, t) {
  const url = new URL(req.url, 'http://placeholder');
  const p = url.pathname;
  const m = req.method;
  if (m === 'GET' && p === '/api/v1/users') {
    const n = Math.min(Number(url.searchParams.get('limit') ?? 5) || 5, 500);
    return send(req, res, t, 200, { data: users(n), page: 1, limit: n });
  }
  if (p === '/api/v1/users/42') {
    if (m === 'GET') return send(req, res, t, 200, users(42)[41]);
    if (m === 'PUT') return readJson(req, (body) => body === undefined ? send(req, res, t, 400, { error: 'bad json' }) : send(req, res, t, 200, { ...users(42)[41], ...body }));
    if (m === 'DELETE') { res.writeHead(204); return res.end(); }
  }
  if (m === 'GET' && p === '/api/v1/orders/1001') return send(req, res, t, 200, order(url.searchParams.get('expand') === 'items'));
  if (m === 'GET' && p === '/api/v1/orders/export') return stream(req, res, t);
  if (m === 'POST' && p === '/api/v1/login') {
    return readJson(req, (body) => body && body.username
      ? send(req, res, t, 200, { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl', expiresIn: 3600 })
      : send(req, res, t, 400, { error: 'username required' }));
  }
  if (m === 'GET' && p === '/api/v1/me') {
    const auth = req.headers.authorization ?? '';
    if (!/^Bearer \S+/.test(auth)) { res.setHeader('www-authenticate', 'Bearer realm="api"'); return send(req, res, t, 401, { error: 'unauthorized' }); }
    return send(req, res, t, 200, users(42)[41]);
  }
  if (m === 'POST' && p === '/api/v1/uploads') return readJson(req, (_b, n) => send(req, res, t, 201, { id: 'up-1', bytes: n }));
  if (m === 'GET' && /^\/[a-z]$/.test(p)) return send(req, res, t, 200, p.slice(1) + '\n', 'text/plain');
  req.resume();
  return send(req, res, t, 404, { error: 'not found', path: p });
}

server.on('request', handle);
// Expect: 100-continue — answer 100 ourselves so the log records it (RFC 9110 §10.1.1).
server.on('checkContinue', (req, res) => {
  res.writeContinue();
  const t = track(req, res);
  t.informational.push(100);
  route(req, res, t);
});
server.listen(Number(portText), host, () => {
  process.stdout.write(`listening ${host}:${portText}\n`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
