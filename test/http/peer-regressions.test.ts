/**
 * Regressions from the peer corpus (pcaps/peers, ../shared/corpus), one test
 * per case, named after it. Byte layouts are copied from
 * `tshark -q -z follow,tcp,raw,N` of the capture; expected values are the
 * Zeek http.log / tshark fields of that capture (quoted per test).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replayFiles } from '../../src/replay/replay.js';
import { run } from './harness.js';
import type { Step } from './harness.js';
import type { TransactionRecord } from '../../src/http/transaction-record.js';

const tuple = (x: TransactionRecord): [string | null, string | null, string | null, number | null] => [x.method, x.host, x.uri, x.status];
const GOOGLE_405 = 'HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 3\r\n\r\nabc';
const GOOGLE_400 = 'HTTP/1.0 400 Bad Request\r\nContent-Length: 3\r\n\r\nabc';

/** One connection: the client's bytes, then the server's, then FIN both ways. */
const exchange = (req: string, res: string): Step[] => [
  { d: 0, data: req },
  { d: 1, data: res },
  { d: 0, end: true },
  { d: 1, end: true },
];

describe('zeek/methods (request lines llhttp refuses; Zeek http.log + tshark)', () => {
  it.each([
    // [request bytes, response, expected tuple] — Zeek rows / tshark http.request.* of methods.pcap
    ['CCM_POST / HTTP/1.\nHost: www.google.com\n\n', GOOGLE_405, ['CCM_POST', 'www.google.com', '/', 405]],
    ['CCM_POST / HTTP/1.1\nHost: www.google.com\n\n', GOOGLE_405, ['CCM_POST', 'www.google.com', '/', 405]],
    ['GET / HTTP/1.\nHost: www.google.com\n\n', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', ['GET', 'www.google.com', '/', 200]],
    ['CONNECT / HTTP/1.\nHost: www.google.com\n\n', GOOGLE_400, ['CONNECT', 'www.google.com', '/', 400]],
    ['CCM_POST /HTTP/1.1\nHost: www.google.com\n\n', GOOGLE_400, ['CCM_POST', 'www.google.com', '/HTTP/1.1', 400]],
    ['OPTIONS HTTP/1.1\nHost: www.google.com\n\n', GOOGLE_400, ['OPTIONS', 'www.google.com', 'HTTP/1.1', 400]],
    ['OPTIONS\nHost: www.google.com\n\n', GOOGLE_400, ['OPTIONS', 'www.google.com', '', 400]],
    ['GET/ HTTP/1.1\nHost: www.google.com\n\n', GOOGLE_400, [null, null, null, 400]],
    ['OPTIONSHTTP/1.1\nHost: www.google.com\n\n', GOOGLE_400, [null, null, null, 400]],
    ['\xc3\x83\xc3\x82\xc3\x83 / HTTP/1.\nHost: www.google.com\n\n', GOOGLE_405, [null, null, null, 405]],
  ])('%j', (req, res, want) => {
    expect(run(exchange(req, res)).records.map(tuple)).toEqual([want]);
  });

  it('keeps the method as sent and the version of the line', () => {
    const r = run(exchange('CCM_POST / HTTP/1.\nHost: www.google.com\n\n', GOOGLE_405)).records[0]!;
    expect([r.method, r.httpVersion, r.flags]).toEqual(['CCM_POST', '1.0', []]);
  });
});

describe('request-line leniency, other cases', () => {
  it('arkime/arkime_synthetic: RPC_IN_DATA / RPC_OUT_DATA (tshark: method RPC_IN_DATA, 200)', () => {
    const req = 'RPC_IN_DATA /rpc/rpcproxy.dll?MAIL.example.com:6001 HTTP/1.1\r\nHost: mail.example.com\r\nContent-Length: 0\r\n\r\n';
    const r = run(exchange(req, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    expect(r.records.map(tuple)).toEqual([['RPC_IN_DATA', 'mail.example.com', '/rpc/rpcproxy.dll?MAIL.example.com:6001', 200]]);
  });

  it('zeek/http-lower-case: status line `http/1.1 200 OK` (Zeek: status 200)', () => {
    const req = 'GET /index.html HTTP/1.1\r\nHost: 146.190.62.39\r\n\r\n';
    const res = 'http/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n';
    const r = run(exchange(req, res)).records;
    expect(r.map((x) => [...tuple(x), x.responseBodyLength, x.flags])).toEqual([['GET', '146.190.62.39', '/index.html', 200, 2, []]]);
  });

  it('zeek/no-uri: `GET HTTP/1.1` (tshark: uri HTTP/1.1, host bro.org, 200)', () => {
    const req = 'GET HTTP/1.1\r\n123456789012345678901234567890User-Agent: Wget/1.14 (darwin12.2.0)\r\nAccept: */*\r\nHost: bro.org\r\nConnection: Keep-Alive\r\n\r\n';
    const r = run(exchange(req, 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n0.26'));
    expect(r.records.map(tuple)).toEqual([['GET', 'bro.org', 'HTTP/1.1', 200]]);
  });

  it('suricata-verify/http-uri-spaces: target with a space (tshark: uri /uri, 400)', () => {
    const req = 'GET /uri afterspace HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: curl/7.54.0\r\nAccept: */*\r\n\r\n';
    const r = run(exchange(req, 'HTTP/1.0 400 Bad request syntax\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno'));
    expect(r.records.map(tuple)).toEqual([['GET', '127.0.0.1:8000', '/uri', 400]]);
  });

  it('ndpi/WebattackRCE: target `.` and a midstream line with spaces (tshark streams 86, 534)', () => {
    const dot = run([{ d: 0, data: 'GET . HTTP/1.0\r\nUser-Agent: Mozilla/5.00 (Nikto/2.1.6)\r\nConnection: Keep-Alive\r\n\r\n' }]);
    expect(dot.records.map(tuple)).toEqual([['GET', null, '.', null]]);
    const mid = run(
      [{ d: 0, data: 'GET /cgi-bin/handler/netsonar;cat /etc/passwd|?data=Download HTTP/1.1\r\nConnection: Keep-Alive\r\nHost: 127.0.0.1\r\n\r\n' }],
      {},
      { midstream: true },
    );
    expect(mid.records.map(tuple)).toEqual([['GET', '127.0.0.1', '/cgi-bin/handler/netsonar;cat', null]]);
  });

  it('zeek/http_09: `GET ` without target, `T /x`, and a SIP line are not requests (Zeek logs none)', () => {
    for (const line of ['GET \r\n', 'T /zeek.html\r\n', 'OPTIONS sip:probe@edge.test SIP/2.0\r\n']) {
      expect(run(exchange(line, 'bad method\n')).records, line).toEqual([]);
    }
    const ok = run(exchange('POST /zeek.html\r\n', 'bad method\n')).records;
    expect(ok.map((x) => [...tuple(x), x.httpVersion])).toEqual([['POST', null, '/zeek.html', null, '0.9']]);
  });

  it('zeek/ipv6-http-atomic-frag stream 0: an HTTP/0.9 reply before the request does not swap roles (tshark: GET /bad.html)', () => {
    const r = run([
      { d: 1, data: '<html>\n\t<head>\n\t\t<title>Bad!</title>\n\t</head>\n</html>\n' },
      { d: 0, data: 'GET /bad.html\r\n\r\n' },
    ]);
    expect(r.records.map(tuple)).toEqual([['GET', null, '/bad.html', null]]);
    expect(r.events['http.direction_swapped']).toBeUndefined();
  });
});

describe('smuggling resync', () => {
  it('zeek/variant-02-cl_uint64max: the request after a UINT64_MAX Content-Length is reported (Zeek + tshark)', () => {
    const r = run([
      { d: 0, data: 'POST / HTTP/1.1\r\nHost: target\r\nContent-Length: 18446744073709551615\r\n\r\nGET /smuggled-cl-uint64max HTTP/1.1\r\nHost: target\r\n\r\n' },
    ]);
    expect(r.records.map(tuple)).toEqual([
      ['POST', 'target', '/', null],
      ['GET', 'target', '/smuggled-cl-uint64max', null],
    ]);
    expect(r.events['http.content_length_overflow']).toBe(1);
  });

  it('zeek/variant-10-multi_value_te: `chunked, identity` is a parse error and resync finds the smuggled GET (Zeek + tshark)', () => {
    const r = run([
      { d: 0, data: 'POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\nGET /smuggled-multi-te HTTP/1.1\r\nHost: target\r\n\r\n' },
    ]);
    expect(r.records.map(tuple)).toEqual([
      ['POST', 'target', '/', null],
      ['GET', 'target', '/smuggled-multi-te', null],
    ]);
  });
});

describe('pairing by packet time', () => {
  it('zeek/http-09-content-length-confusion: a response sent before the request is not its answer (Zeek)', () => {
    const r = run([
      { d: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n', ts: 100 },
      { d: 0, data: 'GET /\r\n\r\n', ts: 119 },
      { d: 1, data: 'this is too much.\r\n', ts: 131 },
    ]);
    expect(r.records.map((x) => [...tuple(x), x.flags])).toEqual([
      [null, null, null, 200, ['response_without_request']],
      ['GET', null, '/', null, ['unanswered']],
    ]);
  });

  it('ndpi/1kxun tcp.stream 51: a response whose start was lost answers the first request, not the second (tshark)', () => {
    const get = (p: string): string => `GET ${p} HTTP/1.1\r\nHost: mangaweb.1kxun.mobi\r\n\r\n`;
    const ok = 'HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 3\r\n\r\nPNG';
    const r = run(
      [
        { d: 0, data: get('/js/application.min.js?1644808200'), ts: 767.81 },
        { d: 1, data: 'tail of a javascript body without its header\n', ts: 767.99 },
        { d: 0, data: get('/images/detail_revision/go_homepage.png'), ts: 771.71 },
        { d: 1, data: ok, ts: 771.89 },
        { d: 0, data: get('/images/detail_revision/action_bar_5.png'), ts: 771.93 },
        { d: 1, data: ok, ts: 772.11 },
      ],
      {},
      { midstream: true },
    );
    expect(r.records.map((x) => [x.uri, x.status])).toEqual([
      ['/js/application.min.js?1644808200', null],
      ['/images/detail_revision/go_homepage.png', 200],
      ['/images/detail_revision/action_bar_5.png', 200],
    ]);
    expect(r.events['http.response_lost']).toBe(1);
  });

  it('pipelined requests sent before unreadable response bytes keep FIFO pairing', () => {
    const get = (p: string): string => `GET ${p} HTTP/1.1\r\nHost: h\r\n\r\n`;
    const r = run(
      [
        { d: 0, data: get('/a') + get('/b'), ts: 10 },
        { d: 1, data: 'junk without a status line\n', ts: 11 },
        { d: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n', ts: 12 },
      ],
      {},
      { midstream: true },
    );
    expect(r.records.map((x) => [x.uri, x.status])).toEqual([
      ['/a', 200],
      ['/b', 204],
    ]);
  });
});

describe('CONNECT', () => {
  it('suricata-verify/http-connect-fragmented: plain HTTP inside an accepted CONNECT is parsed (Suricata: GET / 200)', () => {
    const r = run([
      { d: 0, data: 'CONNECT abc:443 HTTP/1.1\r\nUser-Agent: Victor/1.0\r\n\r\n' },
      { d: 1, data: 'HTTP/1.1 200 OK\r\nServer: VictorServer/1.0\r\n\r\n' },
      { d: 0, data: 'GE' },
      { d: 0, data: 'T / HTTP/1.1\r\nUser-Agent: Victor/1.0\r\n\r\n' },
      { d: 1, data: 'HTTP/1.1 200 OK\r\nServer: VictorServer/1.0\r\n\r\n' },
    ]);
    expect(r.records.map((x) => [...tuple(x), x.flags])).toEqual([
      ['CONNECT', null, 'abc:443', 200, ['connect']],
      ['GET', null, '/', 200, []],
    ]);
  });

  it('TLS inside an accepted CONNECT still ends HTTP parsing', () => {
    const hello = Buffer.from('160301002a0100002603035f', 'hex');
    const r = run([
      { d: 0, data: 'CONNECT abc:443 HTTP/1.1\r\n\r\n' },
      { d: 1, data: 'HTTP/1.1 200 Connection established\r\n\r\n' },
      { d: 0, data: hello },
      { d: 1, data: Buffer.from('160303', 'hex') },
    ]);
    expect(r.records.map((x) => [...tuple(x), x.flags])).toEqual([['CONNECT', null, 'abc:443', 200, ['connect']]]);
    expect(r.events['http.bytes_after_upgrade']).toBe(hello.length + 3);
  });
});

describe('pairing by TCP acknowledgments', () => {
  it('zeek/erspan: after lost server bytes, responses answer the requests the ACKs show (tshark frames; Zeek and FIFO mis-pair)', async () => {
    const pcap = fileURLToPath(new URL('../../pcaps/peers/zeek/erspan/erspan.pcap', import.meta.url));
    const res = await replayFiles([pcap], { workers: 0, collect: true });
    const status = (suffix: string): [number | null, string[]] => {
      const hits = res.transactions.filter((x) => x.uri?.startsWith(suffix));
      expect(hits, suffix).toHaveLength(1);
      return [hits[0]!.status, hits[0]!.flags];
    };
    // tcp.stream 0 (tshark, relative seq): server bytes 9856..112018 not captured; requests sent with acks
    // 40089 (frame 165 search.css), 51157 (208 init.js), 91540 (236 fgimg), 112018 (248 mossfgimg);
    // frame 260 'HTTP/1.1 200 OK' starts at server seq 112018: it answers mossfgimg.
    expect(status('/_layouts/1033/styles/Themable/search.css')).toEqual([null, ['unanswered']]);
    expect(status('/_layouts/1033/init.js')).toEqual([null, ['unanswered']]);
    expect(status('/_layouts/images/fgimg.png')).toEqual([null, ['unanswered']]);
    expect(status('/_layouts/images/mossfgimg.png')).toEqual([200, []]);
    // tcp.stream 3: frame 210 (HW-8j, ack 41820) then frame 238 (bgximg, ack 51072); server bytes 41820..51072
    // not captured; frame 244 (seq 51072, 200) answers bgximg, frame 261 (seq 53204, 200) wpmenuarrow (frame 250, ack 53204).
    expect(status('/ScriptResource.axd?d=HW-8j')).toEqual([null, ['unanswered']]);
    expect(status('/_layouts/images/bgximg.png')).toEqual([200, []]);
    expect(status('/_layouts/images/wpmenuarrow.png')).toEqual([200, []]);
    expect(res.summary.events['http.response_lost']).toBe(4);
  });
});
