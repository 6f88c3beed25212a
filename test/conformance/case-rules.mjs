// @ts-check
/**
 * Per-case decisions for derive-expected.mjs: which oracle file is
 * authoritative, and why the oracles disagree. Keys are `source/case`.
 *
 * A rule: { authority?: string, tsharkFile?: string, zeekFile?: string,
 *           notes?: string[], fix?: (expected) => expected }
 */

/** @typedef {import('./derive-expected.mjs').ExpectedTransaction} ExpectedTransaction */
/** @typedef {{ authority?: string, tsharkFile?: string, zeekFile?: string, notes?: string[],
 *              fix?: (e: ExpectedTransaction[]) => ExpectedTransaction[] }} CaseRule */

/** @param {ExpectedTransaction[]} e */
const dropZeekOnly = (e) => e.filter((t) => t.oracle !== 'zeek');

/**
 * @param {string} uri
 * @param {number} status
 * @param {string} why
 * @returns {(e: ExpectedTransaction[]) => ExpectedTransaction[]}
 */
const setStatus = (uri, status, why) => (e) =>
  e.map((t) => (t.uri === uri && t.status === null ? { ...t, status, note: why } : t));

/** @type {Record<string, CaseRule>} */
export const CASE_RULES = {
  'zeek/http-lower-case': {
    zeekFile: 'http.log.standard',
    notes: ["tshark does not dissect the lower-case 'http/1.1 200 OK' status line; Zeek (and the server's bytes) give 200"],
  },
  'zeek/http-lower-case-nonstandard-port': {
    zeekFile: 'http.log.nonstandard',
    notes: ["tshark does not dissect the lower-case 'http/1.1 200 OK' status line; Zeek (and the server's bytes) give 200"],
  },
  'zeek/http-09-content-length-confusion': {
    authority: 'Zeek http.log',
    notes: [
      "follow-stream order: the server sends 'HTTP/1.1 200 OK' + 'Content-Length: 4' BEFORE the client's HTTP/0.9 'GET /'; " +
        'Zeek logs a response without request and an unanswered 0.9 request; tshark pairs them because it emits the response only at body end',
    ],
    fix: (e) => [
      { method: null, host: null, uri: null, uriForm: 'raw', status: 200, oracle: 'zeek', note: 'response sent before any request' },
      { method: 'GET', host: null, uri: '/', uriForm: 'raw', status: null, oracle: 'tshark+zeek', note: 'HTTP/0.9 request, answered by the earlier response only' },
    ],
  },
  'zeek/no-uri': {
    authority: 'tshark (request-target token)',
    notes: [
      "wire bytes 'GET HTTP/1.1\\r\\n' (one SP): tshark takes 'HTTP/1.1' as the request target, Zeek logs an empty URI with version 1.1; " +
        'we expect the raw token after the method',
    ],
    fix: dropZeekOnly,
  },
  'zeek/methods': {
    authority: 'tshark (request-target tokens), Zeek for pairing',
    notes: [
      "stream 1 'OPTIONS HTTP/1.1': tshark target 'HTTP/1.1', Zeek empty URI; stream 3 'OPTIONS\\r\\n': tshark OPTIONS with empty target, " +
        'Zeek a 400 without request. We keep the raw tokens (tshark) and drop the Zeek-only row',
      "Zeek logs 'GET /HTTP/1.1' style lines (no SP before the version) with status 0; tshark pairs the server's 400/403/411",
    ],
    fix: dropZeekOnly,
  },
  'zeek/wikipedia': {
    notes: ['tcp.stream 0 (GET / www.wikipedia.org, 304) starts without a handshake: Zeek does not log it, tshark does; we pick up midstream (DESIGN.md)'],
  },
  'zeek/ipv6-http-atomic-frag': {
    tsharkFile: 'tshark-nodesegment.tsv',
    authority: 'tshark without desegmentation (the default run dissects nothing)',
    notes: ["each stream carries the HTTP/0.9 request 'GET /bad.html\\r\\n' (15 bytes) and an 88-byte body without status line (tshark follow,tcp)"],
  },
  'zeek/variant-01-chunk_2pow64_overflow': {
    notes: ['Zeek parses the GET smuggled after the overflowing chunk size; tshark stops at the bad chunk'],
  },
  'zeek/query-method': {
    notes: ['tshark does not dissect the QUERY method: request from Zeek, 200 in both'],
  },
  'zeek/http_09': {
    notes: ['tshark does not dissect HTTP/0.9: requests from Zeek (no status line in a 0.9 response)'],
  },
  'zeek/no-version': {
    notes: ['request line without version (HTTP/0.9): request from Zeek'],
  },
  'suricata-verify/http-gap-simple': {
    authority: 'tshark + suricata test.yaml',
    notes: ['tshark drops the response to /3 (a TCP gap in its body); suricata test.yaml asserts /3 with status 200'],
    fix: setStatus('/3', 200, 'status from suricata test.yaml: tshark misses responses cut by gaps'),
  },
  'suricata-verify/http-connect__http-connect-fragmented': {
    authority: 'tshark + suricata test.yaml',
    notes: ['tshark treats the bytes after CONNECT/200 as tunnel data and shows no response to the GET; suricata test.yaml asserts GET with status 200'],
    fix: setStatus('/', 200, 'status from suricata test.yaml'),
  },
  'arkime/wireshark-retrans': {
    notes: [
      'tshark dissects the TCP fast retransmissions (frames 42, 86) as two more 200 responses; arkime and the stream have 4 POST/200 only',
      "every request carries an empty 'Host: ' header (arkime host ['']); tshark's empty field cannot tell it from an absent one",
    ],
    fix: (e) => e.filter((t) => t.method !== null).map((t) => ({ ...t, host: '' })),
  },
  'arkime/arkime_synthetic': {
    notes: ["arkime's 'PRI *' is the HTTP/2 connection preface, not an HTTP/1.x transaction"],
  },
  'ndpi/http_asymmetric': {
    notes: ['the two directions are different flows (NAT between the capture points: 192.168.0.1->10.10.10.1 vs 192.168.1.146->192.168.1.103): 3 unanswered requests and 3 responses without request'],
  },
  'ndpi/fuzz-2006-09-29-28586': {
    notes: ["nDPI keeps the first status of a flow (100 Continue); we count final statuses"],
  },
  'ndpi/1kxun': {
    notes: ["111 M-SEARCH frames are SSDP over UDP: out of scope", "nDPI keeps the first status of a flow (100); nDPI's 206 has no complete response in tshark (cut capture)"],
  },
  'suricata-verify/http-request-invalid': {
    notes: [
      'streams 2 and 3: POST without Content-Length, the body line is taken by the server as a bad request line (400); tshark shows the 400 without request',
      'M-SEARCH frames are SSDP over UDP: out of scope',
    ],
  },
};
