#!/usr/bin/env node
/**
 * derive-expected.mjs — turn the servers' access logs recorded by
 * ../make-captures.sh into `<capture>.expected.jsonl`, then cross-check every
 * capture against tshark and print where they disagree.
 *
 * Usage: node derive-expected.mjs DIR   (DIR = pcaps/own)
 *
 * Output: one JSON object per transaction, in the order the server logged
 * them (responses finished), keys named as in TransactionRecord:
 *   { method, host, uri, status, httpVersion, informational,
 *     requestBodyLength?, responseBodyLength?, responseBodyDecodedLength?,
 *     responseContentEncoding, clientPort, server, flags?, note? }
 * A key is left out when its value cannot be known from the capture
 * (snaplen-96). `flags` lists flags the record must carry (midstream,
 * snaplen-96). `responseBodyDecodedLength` is given only for content-coded
 * responses (the record leaves it null when nothing was decoded).
 *
 * Sources: node log (tools/api-server.mjs) and nginx log (log_format apijson
 * in make-captures.sh) under logs/; for nginx chunked (gzip) responses the
 * de-chunked body length comes from the client log (curl's saved body), since
 * nginx's $body_bytes_sent counts chunk framing too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { STATUS_CODES } from 'node:http';

const dir = process.argv[2] ?? '.';
const logs = path.join(dir, 'logs');
const readJsonl = (name) => fs.readFileSync(path.join(logs, name), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

function fromNode(e) {
  if (e.aborted) throw new Error(`node log: ${e.method} ${e.url} was aborted; re-record`);
  const x = {
    method: e.method, host: e.host, uri: e.url, status: e.status, httpVersion: e.httpVersion,
    informational: e.informational,
    requestBodyLength: e.requestBodyLength, responseBodyLength: e.responseBodyLength,
    responseContentEncoding: e.contentEncoding,
  };
  if (e.contentEncoding) x.responseBodyDecodedLength = e.responseBodyDecodedLength;
  x.clientPort = e.clientPort;
  x.server = 'node';
  return x;
}

/**
 * nginx line. `chunked` iterates over the client-log records of nginx chunked
 * responses, in order: their de-chunked (still coded) body length and decoded
 * length come from curl's saved body, as $body_bytes_sent includes chunk framing.
 */
function fromNginx(e, chunked) {
  const x = {
    method: e.method, host: e.httpHost === '' ? null : e.httpHost, uri: e.uri, status: e.status,
    httpVersion: e.protocol.replace(/^HTTP\//, ''), informational: [],
  };
  if (e.requestTransferEncoding === '') x.requestBodyLength = Number(e.requestContentLength || 0);
  x.responseContentEncoding = e.contentEncoding === '' ? null : e.contentEncoding;
  if (e.method === 'HEAD') {
    x.responseBodyLength = 0;
  } else if (e.contentLength !== '') {
    x.responseBodyLength = Number(e.contentLength);
    if (x.responseBodyLength !== e.bodyBytesSent) throw new Error(`nginx $body_bytes_sent ${e.bodyBytesSent} != Content-Length ${e.contentLength}`);
    if (x.responseContentEncoding) throw new Error('coded nginx response with Content-Length: no decoded length known');
  } else {
    const c = chunked.next().value;
    if (!c) throw new Error('nginx chunked response without client record');
    if (!(e.bodyBytesSent > c.bodyLength)) throw new Error('expected chunk framing in $body_bytes_sent');
    x.responseBodyLength = c.bodyLength;
    if (x.responseContentEncoding) x.responseBodyDecodedLength = c.decodedLength;
  }
  x.clientPort = e.clientPort;
  x.server = 'nginx';
  return x;
}

function nginxRows(entries, clientLog) {
  const chunked = clientLog.filter((c) => c.chunked && c.label.startsWith('nginx'))[Symbol.iterator]();
  return entries.map((e) => fromNginx(e, chunked));
}

function write(name, rows) {
  const out = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  fs.writeFileSync(path.join(dir, `${name}.expected.jsonl`), out);
}

const expected = {};

expected['api-keepalive'] = readJsonl('api-keepalive.access.jsonl').map(fromNode);
expected.pipelining = readJsonl('pipelining.access.jsonl').map(fromNode);
// The script runs the nginx clients first, then the node clients, one at a time.
expected['chunked-gzip'] = [
  ...nginxRows(readJsonl('chunked-gzip.nginx.access.jsonl'), readJsonl('chunked-gzip.client.jsonl')),
  ...readJsonl('chunked-gzip.node.access.jsonl').map(fromNode),
];
expected['post-json-100-continue'] = readJsonl('post-json-100-continue.access.jsonl').map(fromNode);
expected.head = nginxRows(readJsonl('head.access.jsonl'), []);
expected['ab-keepalive'] = nginxRows(readJsonl('ab-keepalive.access.jsonl'), []);

// midstream: api-keepalive minus the slice's dropped transactions.
{
  const slice = JSON.parse(fs.readFileSync(path.join(logs, 'midstream.slice.json'), 'utf8'));
  const base = expected['api-keepalive'];
  const cutPort = base[0].clientPort;
  let dropped = 0;
  expected.midstream = [];
  for (const x of base) {
    if (x.clientPort === cutPort && dropped < slice.droppedTransactions) { dropped++; continue; }
    const y = { ...x };
    if (x.clientPort === cutPort) {
      y.flags = ['midstream'];
      y.note = `connection picked up at frame ${slice.fromFrame} of ${slice.source} (no handshake)`;
    }
    expected.midstream.push(y);
  }
}

// snaplen-96: which start lines lie wholly inside the captured bytes.
{
  const rows = tshark('snaplen-96.pcap', ['tcp.srcport', 'tcp.dstport', 'tcp.payload']).filter((r) => r[2] !== '');
  const segs = new Map(); // "port:dir" -> captured payload strings, in order
  for (const [src, dst, hex] of rows) {
    const key = src === '80' ? `${dst}:s` : `${src}:c`;
    if (!segs.has(key)) segs.set(key, []);
    segs.get(key).push(Buffer.from(hex.replace(/:/g, ''), 'hex').toString('latin1'));
  }
  const nextSeg = (key) => segs.get(key).shift();
  expected['snaplen-96'] = readJsonl('snaplen-96.access.jsonl').map((e) => {
    const full = fromNode(e);
    const reqLine = `${e.method} ${e.url} HTTP/${e.httpVersion}\r\n`;
    const resLine = `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\n`;
    const req = nextSeg(`${e.clientPort}:c`);
    const res = nextSeg(`${e.clientPort}:s`);
    if (!(req.startsWith(reqLine) || reqLine.startsWith(req)) || !(res.startsWith(resLine) || resLine.startsWith(res))) {
      throw new Error(`snaplen-96: captured bytes do not match the log for ${reqLine.trim()}`);
    }
    const x = { method: null, host: null, uri: null };
    const lost = [];
    // A start line is known only when captured through its LF: a line ends
    // with CRLF (RFC 9112 §2.2), and a line cut before it can be anything.
    const lineKnown = req.length >= reqLine.length;
    if (lineKnown) Object.assign(x, { method: e.method, uri: e.url }); else lost.push('request line (cut before its LF)');
    lost.push('Host header', 'request body length');
    const statusKnown = res.length >= resLine.length;
    if (statusKnown) x.status = e.status; else lost.push('status line');
    if (lineKnown || statusKnown) x.httpVersion = e.httpVersion; // of the request, else of the response (both 1.1)
    lost.push('response body length');
    x.informational = [];
    x.clientPort = e.clientPort;
    x.server = 'node';
    x.flags = lineKnown ? ['gap', 'request_incomplete', 'response_incomplete'] : ['gap', 'response_incomplete', 'response_without_request'];
    x.note = `only ${req.length} request / ${res.length} response head bytes captured (snap 96): not in capture: ${lost.join(', ')}` +
      ` (log: host ${full.host}, request body ${full.requestBodyLength}, response body ${full.responseBodyLength})`;
    return x;
  });
}

for (const [name, rows] of Object.entries(expected)) write(name, rows);

// ---------------------------------------------------------------- tshark cross-check
function tshark(file, fields, filter) {
  const args = ['-r', path.join(dir, file), '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|'];
  if (filter) args.push('-Y', filter);
  for (const f of fields) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter(Boolean).map((l) => l.split('\t'));
}

for (const [name, rows] of Object.entries(expected)) {
  const seen = [];
  for (const [port, methods, uris, hosts] of tshark(`${name}.pcap`, ['tcp.srcport', 'http.request.method', 'http.request.uri', 'http.host'], 'http.request')) {
    const m = methods.split('|'); const u = uris.split('|'); const h = hosts.split('|');
    m.forEach((_, i) => seen.push({ port: Number(port), method: m[i], uri: u[i], host: h[i] || null }));
  }
  const key = (r) => `${r.clientPort ?? r.port} ${r.method} ${r.uri} ${r.host}`;
  const want = rows.map(key).sort();
  const got = seen.map(key).sort();
  const missing = want.filter((k) => !got.includes(k));
  const extra = got.filter((k) => !want.includes(k));
  const order = rows.map(key).join() === seen.map(key).join() ? 'same order' : 'different order';
  console.log(`${name}: ${rows.length} expected, tshark ${seen.length} requests, ${order}` +
    (missing.length ? `; not in tshark: ${missing.join(' ; ')}` : '') +
    (extra.length ? `; only in tshark: ${extra.join(' ; ')}` : ''));
}
