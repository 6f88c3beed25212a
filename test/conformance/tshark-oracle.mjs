// @ts-check
/**
 * tshark oracle: reads the corpus `tshark*.tsv` files (one row per frame that
 * carries an HTTP message, values of multi-message frames joined with ',') and
 * pairs requests with responses per TCP stream.
 *
 * Columns (header row, tab separated): frame.number ip.src ipv6.src tcp.srcport
 * ip.dst ipv6.dst tcp.dstport http.request.method http.request.uri http.host
 * http.response.code http.content_length tcp.stream http.response_for.uri
 *
 * Pairing rule (ours, documented in pcaps/peers/README.md):
 * - 1xx responses other than 101 are interim (RFC 9110 §15.2) and pair with
 *   nothing: they end up in TransactionRecord.informational, not in `status`.
 * - A final response pairs with the oldest unanswered request of its stream
 *   whose absolute URI equals tshark's `http.response_for.uri`, else with the
 *   oldest unanswered request (FIFO, RFC 9112 §9.3.2); with no request pending
 *   it is a response without request (method null).
 * - Rows without a TCP stream (HTTP over UDP, e.g. SSDP M-SEARCH) are out of
 *   scope for a TCP sensor and are returned separately in `skipped`.
 */
import { readFileSync } from 'node:fs';

/**
 * @typedef {{ method: string|null, host: string|null, uri: string|null, status: number|null,
 *             stream: number, frame: number }} TsharkTransaction
 * @typedef {{ frame: number, stream: number, kind: 'request', method: string, uri: string, host: string|null }
 *          | { frame: number, stream: number, kind: 'response', status: number, responseFor: string|null }} TsharkMessage
 */

/**
 * Splits a ','-aggregated tshark value into `n` parts. Methods and status
 * codes never contain commas; URIs and hosts can, so when the split count does
 * not equal `n` the parts are re-joined greedily: a new part starts only where
 * the remainder looks like the start of a request target (`/`, `*`, scheme).
 * @param {string} value
 * @param {number} n
 * @param {'uri'|'host'} kind
 * @returns {(string|null)[]}
 */
function splitAggregated(value, n, kind) {
  if (n === 1) return [value === '' ? null : value];
  if (value === '') return new Array(n).fill(null);
  const parts = value.split(',');
  if (parts.length === n) return parts;
  if (kind === 'uri') {
    /** @type {string[]} */
    const out = [];
    for (const part of parts) {
      const startsTarget = /^(\/|\*|[a-zA-Z][a-zA-Z0-9+.-]*:\/\/)/.test(part);
      if (out.length === 0 || (startsTarget && out.length < n)) out.push(part);
      else out[out.length - 1] += ',' + part;
    }
    if (out.length === n) return out;
  }
  throw new Error(`cannot split tshark ${kind} value ${JSON.stringify(value)} into ${n} parts`);
}

/**
 * Parses one tshark TSV file into HTTP messages in frame order.
 * @param {string} file
 * @returns {{ messages: TsharkMessage[], skipped: string[] }}
 */
export function parseTsharkTsv(file) {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  const header = lines[0].split('\t');
  const col = (/** @type {string} */ name) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no column ${name}`);
    return i;
  };
  const iFrame = col('frame.number');
  const iMethod = col('http.request.method');
  const iUri = col('http.request.uri');
  const iHost = col('http.host');
  const iCode = col('http.response.code');
  const iStream = col('tcp.stream');
  const iFor = col('http.response_for.uri');
  /** @type {TsharkMessage[]} */
  const messages = [];
  /** @type {string[]} */
  const skipped = [];
  for (const line of lines.slice(1)) {
    const f = line.split('\t');
    const frame = Number(f[iFrame]);
    if (f[iStream] === '' || f[iStream] === undefined) {
      skipped.push(`frame ${frame}: ${f[iMethod] || f[iCode]} not on TCP (HTTP over UDP)`);
      continue;
    }
    const stream = Number(f[iStream]);
    if (f[iMethod]) {
      const methods = f[iMethod].split(',');
      const uris = splitAggregated(f[iUri] ?? '', methods.length, 'uri');
      const hosts = splitAggregated(f[iHost] ?? '', methods.length, 'host');
      methods.forEach((method, k) =>
        messages.push({ frame, stream, kind: 'request', method, uri: uris[k] ?? '', host: hosts[k] }),
      );
    }
    if (f[iCode]) {
      const codes = f[iCode].split(',');
      const fors = splitAggregated(f[iFor] ?? '', codes.length, 'uri');
      codes.forEach((code, k) =>
        messages.push({ frame, stream, kind: 'response', status: Number(code), responseFor: fors[k] }),
      );
    }
  }
  return { messages, skipped };
}

/**
 * The absolute form tshark gives in `http.response_for.uri`: the request URI
 * when already absolute, else `http://` + Host + URI.
 * @param {string} uri
 * @param {string|null} host
 */
function absoluteForm(uri, host) {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(uri) ? uri : `http://${host ?? ''}${uri}`;
}

/**
 * Pairs parsed messages into transactions (see the file comment for the rule).
 * @param {TsharkMessage[]} messages
 * @returns {TsharkTransaction[]} in order of first frame
 */
export function pairTsharkMessages(messages) {
  /** @type {Map<number, TsharkTransaction[]>} unanswered requests per stream */
  const pending = new Map();
  /** @type {TsharkTransaction[]} */
  const out = [];
  for (const m of messages) {
    if (m.kind === 'request') {
      const tx = { method: m.method, host: m.host, uri: m.uri, status: null, stream: m.stream, frame: m.frame };
      out.push(tx);
      const q = pending.get(m.stream) ?? [];
      q.push(tx);
      pending.set(m.stream, q);
      continue;
    }
    if (m.status >= 100 && m.status < 200 && m.status !== 101) continue;
    const q = pending.get(m.stream) ?? [];
    let k = m.responseFor ? q.findIndex((t) => absoluteForm(t.uri ?? '', t.host) === m.responseFor) : -1;
    if (k < 0 && q.length > 0) k = 0;
    if (k < 0) {
      out.push({ method: null, host: null, uri: null, status: m.status, stream: m.stream, frame: m.frame });
      continue;
    }
    q[k].status = m.status;
    q.splice(k, 1);
  }
  return out;
}

/**
 * Reads and pairs one tshark TSV file.
 * @param {string} file
 * @returns {{ transactions: TsharkTransaction[], skipped: string[] }}
 */
export function tsharkTransactions(file) {
  const { messages, skipped } = parseTsharkTsv(file);
  return { transactions: pairTsharkMessages(messages), skipped };
}
