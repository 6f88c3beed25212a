#!/usr/bin/env node
/**
 * attack-api-server.mjs — a small, deliberately weak JSON API that the attack
 * captures are recorded against (see ../make-attacks.sh). node:http only.
 *
 * Usage: node attack-api-server.mjs HOST PORT ACCESS_LOG.jsonl
 *
 * Every finished response appends one JSON line to the access log:
 *   { seq, method, url, status, clientIp, clientPort, userAgent }
 *
 * Accounts: alice/wonderland, bob/builder, carol/c4r0l-pass, dave/hunter2.
 * Routes:
 *   POST /api/v1/login        form (username=&password=) or JSON; 200 {token}; failure {"error":"invalid credentials"}
 *                             with 403 for a form, 401 for JSON
 *   GET  /api/v1/users/{id}   Bearer token required (401 without); ids 1..300 → 200 user (BOLA: any id), else 404
 *   GET  /api/v1/me           Bearer token → 200 own user
 *   GET  /api/v1/products     ?q=&category= search (the sqlmap target); 200 list, 500 on a quote in q
 *   GET  /api/v1/items        X-API-Key required (401 without); 200 small list (the wrk target)
 *   GET  /api/v1/orders/{id}  Bearer token; 200 order
 *   GET  /                    200 text/html
 *   anything else             404 {"error":"not found"}
 */
import http from 'node:http';
import fs from 'node:fs';
import crypto from 'node:crypto';

const [host = '127.0.0.1', portText = '8080', logPath = 'access.jsonl'] = process.argv.slice(2);
const ACCOUNTS = { alice: 'wonderland', bob: 'builder', carol: 'c4r0l-pass', dave: 'hunter2' };
const ACCOUNT_ID = { alice: 7, bob: 8, carol: 9, dave: 10 };
let seq = 0;

function b64url(obj) {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

/** HS256 JWT for `user` (fixed iat so captures stay comparable). */
function tokenFor(user) {
  const head = b64url({ alg: 'HS256', typ: 'JWT' });
  const body = b64url({ sub: user, uid: ACCOUNT_ID[user], iat: 1700000000, exp: 4102444800 });
  const sig = crypto.createHmac('sha256', 'attack-lab-secret').update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

function userOf(req) {
  const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!m) return null;
  const parts = m[1].split('.');
  if (parts.length !== 3) return null;
  const sig = crypto.createHmac('sha256', 'attack-lab-secret').update(`${parts[0]}.${parts[1]}`).digest('base64url');
  if (sig !== parts[2]) return null;
  try { return JSON.parse(Buffer.from(parts[1], 'base64url').toString()).sub; } catch { return null; }
}

function user(id) {
  return { id, name: `user${id}`, email: `user${id}@example.com`, phone: `+1-202-555-${String(1000 + id).slice(-4)}` };
}

function send(req, res, status, body, type = 'application/json') {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.setHeader('content-type', type);
  res.setHeader('content-length', raw.length);
  res.writeHead(status);
  res.end(raw);
}

function readBody(req, done) {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => done(Buffer.concat(parts).toString('utf8')));
}

function route(req, res) {
  const url = new URL(req.url, 'http://placeholder');
  const p = url.pathname;
  const m = req.method;
  if (m === 'POST' && p === '/api/v1/login') {
    return readBody(req, (text) => {
      let u = null;
      let pw = null;
      const json = (req.headers['content-type'] ?? '').includes('json');
      if (json) {
        try { const j = JSON.parse(text); u = j.username; pw = j.password; } catch { /* bad json */ }
      } else {
        const f = new URLSearchParams(text);
        u = f.get('username'); pw = f.get('password');
      }
      if (u && ACCOUNTS[u] !== undefined && ACCOUNTS[u] === pw) return send(req, res, 200, { token: tokenFor(u), expiresIn: 3600 });
      // A form login fails with 403 (hydra's http-post-form treats 401 as HTTP auth), a JSON login with 401.
      return send(req, res, json ? 401 : 403, { error: 'invalid credentials' });
    });
  }
  if (m === 'GET' && p === '/') return send(req, res, 200, '<!doctype html><title>shop</title><p>welcome</p>\n', 'text/html');
  if (m === 'GET' && p === '/api/v1/products') {
    const q = url.searchParams.get('q') ?? '';
    if (q.includes("'")) return send(req, res, 500, { error: 'database error near quote' });
    const items = [];
    for (let i = 1; i <= 3; i++) items.push({ id: 100 + i, name: `${q || 'item'} ${i}`, price: 5 * i });
    return send(req, res, 200, { data: items });
  }
  if (m === 'GET' && p === '/api/v1/items') {
    if (!req.headers['x-api-key']) return send(req, res, 401, { error: 'api key required' });
    return send(req, res, 200, { data: [{ id: 1, name: 'widget' }, { id: 2, name: 'gadget' }] });
  }
  const who = userOf(req);
  if (m === 'GET' && (p === '/api/v1/me' || /^\/api\/v1\/(users|orders)\/\d+$/.test(p))) {
    if (!who) { res.setHeader('www-authenticate', 'Bearer realm="api"'); return send(req, res, 401, { error: 'unauthorized' }); }
    if (p === '/api/v1/me') return send(req, res, 200, user(ACCOUNT_ID[who]));
    const id = Number(p.split('/').pop());
    if (p.startsWith('/api/v1/orders/')) return send(req, res, 200, { id, owner: ACCOUNT_ID[who], total: 12.5 });
    if (id >= 1 && id <= 300) return send(req, res, 200, user(id));
    return send(req, res, 404, { error: 'not found' });
  }
  req.resume();
  return send(req, res, 404, { error: 'not found' });
}

const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  res.on('finish', () => {
    const line = { seq: seq++, method: req.method, url: req.url, status: res.statusCode, clientIp: req.socket.remoteAddress, clientPort: req.socket.remotePort, userAgent: req.headers['user-agent'] ?? null };
    fs.appendFileSync(logPath, JSON.stringify(line) + '\n');
  });
  route(req, res);
});
server.listen(Number(portText), host, () => process.stdout.write(`listening ${host}:${portText}\n`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
