#!/usr/bin/env node
/**
 * A small JSON API server for the live-capture tests; the oracle is its access
 * log: one JSON line per request, written when the response has been sent:
 *   {clientIp, clientPort, method, uri, status, requestBodyLength, responseBodyLength}
 * Usage: node access-log-server.mjs HOST PORT LOGFILE   (prints "listening" when ready)
 *
 * Routes: GET /api/items/ID (JSON, ~60 bytes), GET /api/items?limit=N (JSON list,
 * N × ~60 bytes: large responses span many segments), POST /api/items (reads
 * the body; 201 with a JSON echo of its length), anything else 404.
 */
import http from 'node:http';
import { appendFileSync, writeFileSync } from 'node:fs';

const [host, port, log] = process.argv.slice(2);
writeFileSync(log, '');

const server = http.createServer((req, res) => {
  let requestBodyLength = 0;
  req.on('data', (chunk) => (requestBodyLength += chunk.length));
  req.on('end', () => {
    const url = new URL(req.url, 'http://x');
    let status = 200;
    let body;
    const item = /^\/api\/items\/(\d+)$/.exec(url.pathname);
    if (req.method === 'GET' && item) body = JSON.stringify({ id: Number(item[1]), name: `item-${item[1]}`, price: 10 });
    else if (req.method === 'GET' && url.pathname === '/api/items') {
      const n = Math.min(Number(url.searchParams.get('limit') ?? 10), 5000);
      body = JSON.stringify(Array.from({ length: n }, (_, i) => ({ id: i, name: `item-${i}`, price: i % 97 })));
    } else if (req.method === 'POST' && url.pathname === '/api/items') {
      status = 201;
      body = JSON.stringify({ created: true, bytes: requestBodyLength });
    } else {
      status = 404;
      body = JSON.stringify({ error: 'not found' });
    }
    const bytes = Buffer.from(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
    res.end(bytes);
    res.on('finish', () => {
      appendFileSync(
        log,
        JSON.stringify({
          clientIp: req.socket.remoteAddress,
          clientPort: req.socket.remotePort,
          method: req.method,
          uri: req.url,
          status,
          requestBodyLength,
          responseBodyLength: bytes.length,
        }) + '\n',
      );
    });
  });
});
server.keepAliveTimeout = 30_000;
server.listen(Number(port), host, () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
