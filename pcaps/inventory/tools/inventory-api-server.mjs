#!/usr/bin/env node
/**
 * inventory-api-server.mjs — the two-host JSON API that
 * pcaps/inventory/api-20-routes.pcap is recorded against (see
 * ../make-capture.sh). node:http only, no dependencies.
 *
 * Usage:
 *   node inventory-api-server.mjs HOST PORT ACCESS_LOG.jsonl   serve
 *   node inventory-api-server.mjs --routes                      print the route table (routes.json)
 *
 * Virtual hosts by the Host header: `shop.example.com` and
 * `records.example.com` (anything else: 421 Misdirected Request). Every route
 * below is matched by its template: `{x}` is one path segment, `{x}.pdf` one
 * segment ending `.pdf`; literal routes are tried before parameter routes
 * (`/api/v1/users/me` before `/api/v1/users/{userId}`).
 *
 * Every response appends one JSON line to the access log, in the order the
 * responses finished: { seq, host, method, url, route, status, clientPort }
 * where `route` is the template of the route that answered (null for 404).
 * That log is the oracle of the templating test.
 */
import http from 'node:http';
import fs from 'node:fs';

const SHOP = 'shop.example.com';
const REC = 'records.example.com';

const json = (status, body, headers = {}) => ({ status, body: JSON.stringify(body), type: 'application/json', headers });
const user = (id) => ({ id, name: `User ${id}`, email: `user${id}@example.com`, phone: '+1 415 555 0134', createdAt: '2024-03-01T10:00:00Z' });
const TOKEN_JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2F1dGguZXhhbXBsZS5jb20iLCJzdWIiOiI0MiIsImV4cCI6MTk5OTk5OTk5OX0.c2lnbmF0dXJlLW5vdC1jaGVja2Vk';

/** The route table: host, method, template, handler(params, query, body, req) → response. */
const ROUTES = [
  // ---- shop.example.com: /api/v1, bearer JWT
  [SHOP, 'GET', '/api/v1/users', (p, q) => json(200, { data: [1, 2, 3].map(user), page: Number(q.get('page') ?? 1) })],
  [SHOP, 'GET', '/api/v1/users/me', () => json(200, user(42))],
  [SHOP, 'GET', '/api/v1/users/{userId}', (p) => json(200, user(Number(p.userId)))],
  [SHOP, 'PUT', '/api/v1/users/{userId}', (p, q, b) => json(200, { ...user(Number(p.userId)), ...b })],
  [SHOP, 'GET', '/api/v1/users/{userId}/orders', (p) => json(200, { userId: Number(p.userId), orders: [{ id: '5f0c6f1e-2b7a-4c1e-9a53-2f3d1c4b5a60', total: 12.5 }] })],
  [SHOP, 'GET', '/api/v1/orders', () => json(200, { orders: [], deprecated: true })],
  [SHOP, 'POST', '/api/v1/orders', (p, q, b) => json(201, { id: '0b1e6a3c-7d9f-4e2a-8c55-1a2b3c4d5e6f', status: 'created', items: b?.items?.length ?? 0 })],
  [SHOP, 'GET', '/api/v1/orders/{orderId}', (p) => json(200, { id: p.orderId, status: 'shipped', total: 42.0, shipTo: { street: '1 Main St', zip: '94105' } })],
  [SHOP, 'GET', '/api/v1/products/featured', () => json(200, { products: [{ id: '65a1b2c3d4e5f60718293a4b', name: 'Lamp' }] })],
  [SHOP, 'GET', '/api/v1/products/{productId}', (p) => json(200, { id: p.productId, name: 'Lamp', price: 19.99, tags: ['home', 'light'] })],
  [SHOP, 'GET', '/api/v1/products/{productId}/reviews', (p) => json(200, { productId: p.productId, reviews: [{ stars: 5, text: 'great' }] })],
  [SHOP, 'GET', '/api/v1/sessions/{sessionId}', (p) => json(200, { id: p.sessionId, active: true, ip: '203.0.113.7' })],
  [SHOP, 'GET', '/api/v1/invites/{inviteId}', (p) => json(200, { invite: p.inviteId.slice(0, 4) + '…', valid: true })],
  [SHOP, 'GET', '/api/v1/reports/{reportId}', (p) => json(200, { date: p.reportId, orders: 17, revenue: 1234.5 })],
  [SHOP, 'GET', '/api/v1/customers/{customerId}', (p) => json(200, { email: decodeURIComponent(p.customerId), tier: 'gold' })],
  [SHOP, 'GET', '/api/v1/tickets/{ticketId}', (p) => json(200, { id: p.ticketId, state: 'open' })],
  [SHOP, 'GET', '/api/v1/categories/{categoryId}', (p) => json(200, { category: p.categoryId, items: 3 })],
  [SHOP, 'POST', '/api/v1/login', (p, q, b) => (b?.username ? json(200, { token: TOKEN_JWT, expiresIn: 3600 }) : json(400, { error: 'username required' }))],
  [SHOP, 'GET', '/api/v1/search', (p, q) => json(200, { q: q.get('q'), hits: 2 })],
  [SHOP, 'GET', '/api/v1/internal/debug', () => json(200, { heapMb: 31, uptimeS: 5 })],
  // ---- records.example.com: /v2 and /files, session cookie, API key, Basic
  [REC, 'GET', '/files/{fileName}.pdf', (p) => ({ status: 200, body: '%PDF-1.4\n% ' + p.fileName + '\n%%EOF\n', type: 'application/pdf', headers: {} })],
  [REC, 'POST', '/files', () => json(201, { stored: true })],
  [REC, 'GET', '/v2/patients/{patientId}', (p) => json(200, {
    patientId: Number(p.patientId), mrn: 'MRN-00' + p.patientId, dob: '1980-02-29', ssn: '536-22-8745',
    provider: { npi: '1234567893' }, diagnosis: 'E11.9', contact: { email: 'pat@example.org', phone: '+44 20 7946 0958' },
  })],
  [REC, 'POST', '/v2/patients/{patientId}/notes', (p) => json(201, { patientId: Number(p.patientId), saved: true })],
  [REC, 'GET', '/v2/accounts/{accountId}/statements', (p) => json(200, { accountId: Number(p.accountId), iban: 'DE89370400440532013000', balance: 1024.75 })],
  [REC, 'GET', '/v2/docs/intro', () => json(200, { page: 'intro' })],
  [REC, 'GET', '/v2/docs/setup', () => json(200, { page: 'setup' })],
  [REC, 'GET', '/v2/docs/oauth2', () => json(200, { page: 'oauth2' })],
  [REC, 'GET', '/v2/docs/faq', () => json(200, { page: 'faq' })],
  [REC, 'DELETE', '/v2/admin/cache', () => ({ status: 204, body: '', type: null, headers: {} })],
];

function compile(template) {
  const names = [];
  const re = template.split('/').map((seg) => seg.replace(/\{([A-Za-z]+)\}/g, (_, n) => { names.push(n); return '([^/]+?)'; })
    .replace(/\./g, '\\.')).join('/');
  return { re: new RegExp(`^${re}$`), names, literal: names.length === 0 };
}

const TABLE = ROUTES.map(([host, method, template, handler]) => ({ host, method, template, handler, ...compile(template) }))
  // literal routes first, then parameter routes, each in table order
  .sort((a, b) => Number(b.literal) - Number(a.literal));

if (process.argv[2] === '--routes') {
  const rows = ROUTES.map(([host, method, template]) => ({ host, method, template }));
  process.stdout.write('[\n' + rows.map((r) => '  ' + JSON.stringify(r)).join(',\n') + '\n]\n');
  process.exit(0);
}

const [listenHost = '127.0.0.1', portText = '8080', logPath = 'access.jsonl'] = process.argv.slice(2);
let seq = 0;

function readBody(req, done) {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => done(Buffer.concat(parts).toString('utf8')));
}

const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  readBody(req, (text) => {
    const host = (req.headers.host ?? '').toLowerCase().replace(/:80$/, '');
    const url = new URL(req.url, 'http://placeholder');
    let route = null;
    let params = {};
    for (const r of TABLE) {
      if (r.host !== host || r.method !== req.method) continue;
      const m = r.re.exec(url.pathname);
      if (!m) continue;
      route = r;
      params = Object.fromEntries(r.names.map((n, i) => [n, m[i + 1]]));
      break;
    }
    let out;
    if (host !== SHOP && host !== REC) out = json(421, { error: 'misdirected' });
    else if (!route) out = json(404, { error: 'not found' });
    else {
      let body = null;
      if ((req.headers['content-type'] ?? '').startsWith('application/json') && text) {
        try { body = JSON.parse(text); } catch { body = null; }
      }
      out = route.handler(params, url.searchParams, body, req);
    }
    const headers = { ...out.headers };
    if (out.type) headers['content-type'] = out.type;
    if (out.status !== 204) headers['content-length'] = Buffer.byteLength(out.body);
    res.writeHead(out.status, headers);
    res.end(out.status === 204 ? undefined : out.body);
    fs.appendFileSync(logPath, JSON.stringify({
      seq: seq++, host, method: req.method, url: req.url, route: route?.template ?? null, status: out.status, clientPort: req.socket.remotePort,
    }) + '\n');
  });
});
server.listen(Number(portText), listenHost, () => process.stdout.write(`listening ${listenHost}:${portText}\n`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
