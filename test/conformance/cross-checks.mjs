// @ts-check
/**
 * Cross-checks of a case's derived expectations against the oracles that
 * cannot give per-transaction lists: suricata-verify `test.yaml` (eve.json
 * http count/match filters), arkime `.test` (per-session value sets), tcpdump
 * `-v` output (request lines), nDPI `.out` (one, possibly truncated, URL and
 * status per flow) and tcpreplay rewrites (same transactions as `test`).
 * Each check returns human-readable lines starting with `agree:` or
 * `DISAGREE:`; they are recorded in pcaps/peers/cases.json, not asserted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** @typedef {import('./derive-expected.mjs').ExpectedTransaction} ExpectedTransaction */

/** @param {string} v */
const unquote = (v) => v.trim().replace(/^["']|["']$/g, '');

/** @param {string|null} host */
const hostWithoutPort = (host) => (host ?? '').replace(/:\d+$/, '');

/**
 * suricata-verify: every `filter` block with `event_type: http` and a `count`.
 * Only method, url, status and hostname are comparable; other match keys are
 * listed as not checked.
 * @param {string} file @param {ExpectedTransaction[]} expected @returns {string[]}
 */
function checkSuricata(file, expected) {
  const lines = readFileSync(file, 'utf8').split('\n');
  /** @type {Record<string, string>[]} */
  const blocks = [];
  /** @type {Record<string, string>|null} */
  let cur = null;
  for (const line of lines) {
    if (/^\s*-\s+filter:\s*$/.test(line)) {
      cur = {};
      blocks.push(cur);
      continue;
    }
    const m = /^\s+([\w.]+):\s*(.+)$/.exec(line);
    if (cur && m) cur[m[1]] = unquote(m[2]);
    else if (/^\S/.test(line)) cur = null;
  }
  /** @type {string[]} */
  const out = [];
  for (const b of blocks) {
    if (b.event_type !== 'http' || b.count === undefined) continue;
    const n = expected.filter(
      (e) =>
        (b['http.http_method'] === undefined || e.method === b['http.http_method']) &&
        (b['http.url'] === undefined || e.uri === b['http.url']) &&
        (b['http.status'] === undefined || e.status === Number(b['http.status'])) &&
        (b['http.hostname'] === undefined || hostWithoutPort(e.host) === b['http.hostname']),
    ).length;
    const keys = Object.keys(b).filter((k) => k.startsWith('http.'));
    const unchecked = keys.filter((k) => !['http.http_method', 'http.url', 'http.status', 'http.hostname'].includes(k));
    const what = keys.map((k) => `${k}=${b[k]}`).join(' ') || 'any http';
    const tail = unchecked.length ? ` (not checked: ${unchecked.join(', ')})` : '';
    out.push(`${n === Number(b.count) ? 'agree' : 'DISAGREE'}: suricata test.yaml count ${b.count} of [${what}], expected has ${n}${tail}`);
  }
  return out;
}

/**
 * arkime: each session's http method / statuscode / uri (host + path) value
 * must occur among the expectations (values are deduplicated per session).
 * @param {string} file @param {ExpectedTransaction[]} expected @returns {string[]}
 */
function checkArkime(file, expected) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const methods = new Set(expected.map((e) => e.method));
  const statuses = new Set(expected.map((e) => e.status));
  const uris = new Set(expected.flatMap((e) => [`${hostWithoutPort(e.host)}${e.uri ?? ''}`, `${e.host ?? ''}${e.uri ?? ''}`]));
  /** @type {string[]} */
  const missing = [];
  let values = 0;
  for (const s of doc.sessions3 ?? []) {
    const h = s.body?.http;
    if (!h) continue;
    for (const m of h.method ?? []) (values++, methods.has(m) || missing.push(`method ${m}`));
    for (const c of h.statuscode ?? []) (values++, statuses.has(c) || missing.push(`status ${c}`));
    for (const u of h.uri ?? []) (values++, uris.has(u) || missing.push(`uri ${u}`));
  }
  return [missing.length === 0 ? `agree: arkime .test, all ${values} http values present` : `DISAGREE: arkime .test values not in expected: ${missing.join('; ')}`];
}

/**
 * tcpdump -v: request lines printed under a packet.
 * @param {string} file @param {ExpectedTransaction[]} expected @returns {string[]}
 */
function checkTcpdump(file, expected) {
  const out = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\t([A-Z]+) (\S+) HTTP\/\d\.\d$/.exec(line);
    if (!m) continue;
    const ok = expected.some((e) => e.method === m[1] && e.uri === m[2]);
    out.push(`${ok ? 'agree' : 'DISAGREE'}: tcpdump request line ${m[1]} ${m[2]}`);
  }
  return out;
}

/**
 * nDPI: `[URL: host/path]` (truncated) and `[StatusCode: n]` per HTTP flow.
 * @param {string} file @param {ExpectedTransaction[]} expected @returns {string[]}
 */
function checkNdpi(file, expected) {
  const full = expected.map((e) => `${e.host ?? ''}${e.uri ?? ''}`);
  const statuses = new Set(expected.map((e) => e.status));
  const missing = [];
  let urls = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const u = /\[URL: ([^\]]*)\]/.exec(line);
    if (u) {
      urls++;
      if (!full.some((f) => f.startsWith(u[1]) || u[1].startsWith(f))) missing.push(`URL ${u[1]}`);
    }
    const s = /\[StatusCode: (\d+)\]/.exec(line);
    if (s && Number(s[1]) !== 0 && !statuses.has(Number(s[1]))) missing.push(`status ${s[1]}`);
  }
  return [missing.length === 0 ? `agree: nDPI .out, all ${urls} URLs present` : `DISAGREE: nDPI .out not in expected: ${missing.slice(0, 10).join('; ')}${missing.length > 10 ? ` (+${missing.length - 10})` : ''}`];
}

/**
 * Runs every cross-check that has an oracle file in the case folder.
 * @param {string} dir case folder in the corpus
 * @param {Record<string, string>} row manifest row
 * @param {ExpectedTransaction[]} expected
 * @returns {string[]}
 */
export function crossCheck(dir, row, expected) {
  const files = readdirSync(dir);
  /** @type {string[]} */
  const out = [];
  if (files.includes('test.yaml')) out.push(...checkSuricata(join(dir, 'test.yaml'), expected));
  if (row.source === 'arkime') {
    const t = files.find((f) => f.endsWith('.test'));
    if (t) out.push(...checkArkime(join(dir, t), expected));
  }
  if (row.source === 'tcpdump') {
    const t = files.find((f) => f.endsWith('.out'));
    if (t) out.push(...checkTcpdump(join(dir, t), expected));
  }
  if (row.source === 'ndpi') {
    const t = files.find((f) => f.endsWith('.out'));
    if (t) out.push(...checkNdpi(join(dir, t), expected));
  }
  return out;
}

/**
 * tcpreplay rewrites carry the same HTTP as `test`: compares two expectation
 * multisets on (method, host, uri, status).
 * @param {ExpectedTransaction[]} a @param {ExpectedTransaction[]} b @returns {string}
 */
export function equivalence(a, b) {
  /** @param {ExpectedTransaction[]} x */
  const key = (x) => x.map((e) => JSON.stringify([e.method, e.host, e.uri, e.status])).sort().join('\n');
  return key(a) === key(b) ? 'agree: same transactions as tcpreplay/test' : 'DISAGREE: transactions differ from tcpreplay/test';
}
