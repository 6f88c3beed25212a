/**
 * Conformance over the peer corpus: every case's capture is replayed with
 * `replayFiles([capture], { workers: 0, collect: true })` and the transactions
 * are compared, as a multiset per case, with the expectations derived from the
 * peers' oracles (tshark, Zeek http.log, suricata-verify, arkime, tcpdump, nDPI)
 * by `derive-expected.mjs`, on (method, host, target URI, final status).
 *
 * - BSD/MIT/Apache cases are in `pcaps/peers/<source>/<case>/` with a committed
 *   `expected.jsonl` (index: `pcaps/peers/cases.json`).
 * - LGPL/GPL cases (nDPI, tcpreplay) stay in `../shared/corpus` (relative to
 *   the repo root); when that folder is absent their tests are skipped with a
 *   warning. Their expectations are derived here by the same code.
 *
 * Assertions: no case throws; `result.error` only for TRUNCATED_CAPTURES; every
 * transaction we report that the oracle lacks ("extra") is explained in
 * KNOWN_DIFFERENCES; overall matched ratio >= 0.99.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { replayFiles } from '../../src/replay/replay.js';
import type { TransactionRecord } from '../../src/http/transaction-record.js';
import { deriveCase, expectedLine, PERMISSIVE_SOURCES, readManifest, type ExpectedTransaction } from './derive-expected.mjs';
import { equivalence } from './cross-checks.mjs';
import { zeekUriForm } from './zeek-oracle.mjs';

/**
 * Remaining differences between our transactions and the peer-derived
 * expectations, each with the evidence that the ORACLE is wrong (never "our
 * parser does it differently"). A tuple is [method, host, uri, status].
 * - `oracle-wrong`: `expected` is wrong; `corrected` replaces it (null removes
 *   it). The matched ratio is computed on corrected expectations.
 * - `extra`: a transaction we report that the oracle lacks, and why it is real.
 * Disagreements between the oracles themselves are settled at derivation time
 * (case-rules.mjs, reasons in pcaps/peers/cases.json).
 */
type Tuple = [method: string | null, host: string | null, uri: string | null, status: number | null];

type KnownDifference =
  | { case: string; kind: 'oracle-wrong'; expected: Tuple; corrected: Tuple | null; reason: string }
  | { case: string; kind: 'extra'; produced: Tuple; reason: string };

const TSHARK_CUT = 'tshark emits a response only once its body is complete (corpus README)';

const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    case: 'suricata-verify/http-evader__http-evader-098',
    kind: 'oracle-wrong',
    expected: ['GET', 'evader.example.com', '/chunked/eicar.txt/nofinal', null],
    corrected: ['GET', 'evader.example.com', '/chunked/eicar.txt/nofinal', 200],
    reason: `frame 5 starts 'HTTP/1.1 200 ok' (tshark, no desegmentation); the chunked body has no final 0-chunk, and ${TSHARK_CUT}`,
  },
  {
    case: 'suricata-verify/http-pipeline-files-with-gap',
    kind: 'oracle-wrong',
    expected: ['GET', 'www.annaharrison.com', '/wp-content/themes/wall-street/js/skip-link-focus-fix.js?ver=1.1.4', null],
    corrected: ['GET', 'www.annaharrison.com', '/wp-content/themes/wall-street/js/skip-link-focus-fix.js?ver=1.1.4', 200],
    reason: `request frame 108 is answered by frame 109 'HTTP/1.1 200 OK'; the body has a TCP gap and ${TSHARK_CUT}`,
  },
  {
    case: 'suricata-verify/http-pipeline-files-with-gap',
    kind: 'oracle-wrong',
    expected: ['GET', 'www.annaharrison.com', '/wp-content/uploads/2015/04/NSL-InvestorPitch-9.007-420x420.jpg', null],
    corrected: ['GET', 'www.annaharrison.com', '/wp-content/uploads/2015/04/NSL-InvestorPitch-9.007-420x420.jpg', 200],
    reason: `request frame 113 is answered by frame 115 'HTTP/1.1 200 OK'; the body has a TCP gap and ${TSHARK_CUT}`,
  },
  {
    case: 'suricata-verify/tcp-rst-unacked-stream-11',
    kind: 'oracle-wrong',
    expected: ['GET', '47.32.209.86', '/', null],
    corrected: ['GET', '47.32.209.86', '/', 200],
    reason: `the second GET (frame 7) is answered by frame 9 'HTTP/1.1 200 OK'; the connection is reset before the body ends and ${TSHARK_CUT}`,
  },
  {
    case: 'zeek/erspan',
    kind: 'oracle-wrong',
    expected: ['GET', '192.168.69.2', '/SitePages/Home.aspx', null],
    corrected: ['GET', '192.168.69.2', '/SitePages/Home.aspx', 200],
    reason: `request frame 105 (ends at client seq 1946) is answered by frame 155 'HTTP/1.1 200 OK' (ack 1946); server bytes from seq 9856 on are not captured (frame 162 ACKs unseen data) and ${TSHARK_CUT}`,
  },
  {
    case: 'zeek/erspan',
    kind: 'oracle-wrong',
    expected: ['GET', '192.168.69.2', '/_layouts/1033/styles/Themable/corev4.css?rev=p63%2BuzTeSJc22nVGNZ5zwg%3D%3D', null],
    corrected: ['GET', '192.168.69.2', '/_layouts/1033/styles/Themable/corev4.css?rev=p63%2BuzTeSJc22nVGNZ5zwg%3D%3D', 200],
    reason: `request frame 177 (tcp.stream 3, ends at seq 507) is answered by frame 189 'HTTP/1.1 200 OK' (ack 507); server bytes 8761-37228 are not captured (frame 196 ACKs unseen data) and ${TSHARK_CUT}`,
  },
  {
    case: 'zeek/erspan',
    kind: 'oracle-wrong',
    expected: ['GET', '192.168.69.2', '/ScriptResource.axd?d=s75aQqrSF6CRL0ua_dM6tf3lurn1kKBfokYUvPEDl9Xaj69Srh4_0dgkvP6meaOAeiggxMMoOF7gOZrlVrwNQYe3LYFgdaacQm9qHqpUC1eXuYDFFuJIW8KTX_kQDYCOt7whjzFYeSu-QbLdkjY3tbq7KVs1&t=fffffffff9d85fa6', null],
    corrected: ['GET', '192.168.69.2', '/ScriptResource.axd?d=s75aQqrSF6CRL0ua_dM6tf3lurn1kKBfokYUvPEDl9Xaj69Srh4_0dgkvP6meaOAeiggxMMoOF7gOZrlVrwNQYe3LYFgdaacQm9qHqpUC1eXuYDFFuJIW8KTX_kQDYCOt7whjzFYeSu-QbLdkjY3tbq7KVs1&t=fffffffff9d85fa6', 200],
    reason: `request frame 209 (tcp.stream 1, ends at seq 1052) is answered by frame 218 'HTTP/1.1 200 OK' (ack 1052); server bytes 9850-21530 are not captured (frame 225 ACKs unseen data) and ${TSHARK_CUT}`,
  },
  {
    case: 'ndpi/1kxun',
    kind: 'oracle-wrong',
    expected: ['GET', 'pic.1kxun.com', '/video_kankan/images/icons/5-802d771ccf5a557ef75305ecbd634a5c.png', null],
    corrected: ['GET', 'pic.1kxun.com', '/video_kankan/images/icons/5-802d771ccf5a557ef75305ecbd634a5c.png', 200],
    reason: `tcp.stream 39: request frame 1057 (ends at seq 405) is answered by frame 1058 'HTTP/1.1 200 OK' (ack 405, Content-Length 5616); the capture holds none of its body and ${TSHARK_CUT}`,
  },
  {
    case: 'ndpi/1kxun',
    kind: 'oracle-wrong',
    expected: ['GET', 'pic.1kxun.com', '/video_kankan/images/releases/267/3642-dc2b137a41ed27a90508df79af4e7e0d.jpg', null],
    corrected: ['GET', 'pic.1kxun.com', '/video_kankan/images/releases/267/3642-dc2b137a41ed27a90508df79af4e7e0d.jpg', 200],
    reason: `tcp.stream 43: request frame 1125 (ends at seq 425) is answered by frame 1138 'HTTP/1.1 200 OK' (ack 425, Content-Length 203697); the capture ends after 21600 body bytes and ${TSHARK_CUT}`,
  },
  {
    case: 'ndpi/1kxun',
    kind: 'oracle-wrong',
    expected: ['GET', 'hkbn.content.1kxun.com', '/manga-hant/images/project/cartoons/94a380bb4c9e18827fe9aece98d2236d.jpg?format=webp', null],
    corrected: ['GET', 'hkbn.content.1kxun.com', '/manga-hant/images/project/cartoons/94a380bb4c9e18827fe9aece98d2236d.jpg?format=webp', 200],
    reason: `tcp.stream 57: request frame 1347 (ends at seq 1053) is answered by frame 1349 'HTTP/1.1 200 OK' (ack 1053, Content-Length 49900); the capture holds none of its body and ${TSHARK_CUT}`,
  },
  {
    case: 'ndpi/1kxun',
    kind: 'oracle-wrong',
    expected: ['GET', 'hkbn.content.1kxun.com', '/manga-hant/images/project/cartoons/b057f5cd8fe013d2299b57f14faa5fa9.jpg', null],
    corrected: ['GET', 'hkbn.content.1kxun.com', '/manga-hant/images/project/cartoons/b057f5cd8fe013d2299b57f14faa5fa9.jpg', 200],
    reason: `tcp.stream 59: request frame 1350 (ends at seq 515) is answered by frame 1361 'HTTP/1.1 200 OK' (ack 515, Content-Length 54418); the capture ends after 7200 body bytes and ${TSHARK_CUT}`,
  },
  {
    case: 'ndpi/1kxun',
    kind: 'oracle-wrong',
    expected: ['GET', 'pic.1kxun.com', '/video_kankan/images/videos/40750-585645353a7a47615755b7714c611835.jpg', null],
    corrected: ['GET', 'pic.1kxun.com', '/video_kankan/images/videos/40750-585645353a7a47615755b7714c611835.jpg', 200],
    reason: `tcp.stream 70: request frame 1517 (ends at seq 208) is answered by frame 1524 'HTTP/1.1 200 OK' (ack 208, Content-Length 103854); the capture ends after 5760 body bytes and ${TSHARK_CUT}`,
  },
  {
    case: 'ndpi/1kxun',
    kind: 'oracle-wrong',
    expected: ['GET', 'cdn.liftoff.io', '/customers/45d4b09eba/image/lambda_jpg_89/398101234e6cf5b3a8d8.jpg', null],
    corrected: ['GET', 'cdn.liftoff.io', '/customers/45d4b09eba/image/lambda_jpg_89/398101234e6cf5b3a8d8.jpg', 200],
    reason: `tcp.stream 82: request frame 1585 (ends at seq 184) is answered by frame 1588 'HTTP/1.1 200 OK' (ack 184, Content-Length 238093); the capture ends after 25704 body bytes and ${TSHARK_CUT}`,
  },
  {
    case: 'ndpi/1kxun',
    kind: 'oracle-wrong',
    expected: ['GET', '183.131.48.144', '/vlive.qqvideo.tc.qq.com/u0020mkrnds.p1203.1.mp4?vkey=7AB139BF6B32F53747E8FF192E6FE557B3A3D644C034E34BF6EAEB4E0774F2A92EF3AC5C007520BB925E5C8A18E6D302C2DAE0A295B26AA8FD1DC8069D47CE1B4A16A56870BD1ACA3E86ABE4C079659DB2182FC71217AB68CCD344CE65694457E3F53549CD617D5C9F671A26C70DC68F93F1D7BCD017762F&guid=F5EB01CC01A8E08CD83630828DE17C2B02162FD8&locid=a06f98fd-fa26-44e5-acc5-0d83f9df03af&size=9418655&ocid=253564332', null],
    corrected: ['GET', '183.131.48.144', '/vlive.qqvideo.tc.qq.com/u0020mkrnds.p1203.1.mp4?vkey=7AB139BF6B32F53747E8FF192E6FE557B3A3D644C034E34BF6EAEB4E0774F2A92EF3AC5C007520BB925E5C8A18E6D302C2DAE0A295B26AA8FD1DC8069D47CE1B4A16A56870BD1ACA3E86ABE4C079659DB2182FC71217AB68CCD344CE65694457E3F53549CD617D5C9F671A26C70DC68F93F1D7BCD017762F&guid=F5EB01CC01A8E08CD83630828DE17C2B02162FD8&locid=a06f98fd-fa26-44e5-acc5-0d83f9df03af&size=9418655&ocid=253564332', 206],
    reason: `tcp.stream 17: request frame 577 (578 is its retransmission, counted once) is answered by frame 582 'HTTP/1.1 206 Partial Content' (ack 504, Content-Length 9418655); the capture ends after 2048 body bytes and ${TSHARK_CUT}`,
  },
  {
    case: 'suricata-verify/http-multiple-cl',
    kind: 'oracle-wrong',
    expected: ['POST', '127.0.0.1', '/which.php', null],
    corrected: ['POST', '127.0.0.1', '/which.php', 501],
    reason: "frame 9 'HTTP/1.0 501 Unsupported method' with Connection: close is the only response on the connection (SimpleHTTPServer answers one request and closes); responses come in request order (RFC 9112 §9.3.2), so it answers the first request, which.php (frame 5), not bad.php as tshark's response_for says",
  },
  {
    case: 'suricata-verify/http-multiple-cl',
    kind: 'oracle-wrong',
    expected: ['POST', '127.0.0.1', '/bad.php', 501],
    corrected: ['POST', '127.0.0.1', '/evil.php', null],
    reason: "frame 5 carries 'Content-Length:11' then 'Content-Length:93' (RFC 9112 §6.3: an unrecoverable framing error); tshark frames with the last (93) and sees bad.php, Suricata's libhtp keeps the first ('Ambiguous request C-L value', sid 2221034 of test.yaml) and so sees evil.php (Content-Length 98) whose 98-byte body is exactly the bad.php request; we report which.php and evil.php as libhtp frames them",
  },
  {
    case: 'ndpi/fuzz-2006-09-29-28586',
    kind: 'oracle-wrong',
    expected: ['POST', '%s', '/ppgctrl/ppgcontrollogic.dll', null],
    corrected: ['POST', '%s\u00002.20.3.5', '/ppgctrl/ppgcontrollogic.dll', null],
    reason: "frame 19 (tcp.stream 4) header is 'Host:%s\\x002.20.3.5' (follow,tcp,hex offset 0x116: 25 73 00 32 2e ...); tshark's http.host string stops at the NUL byte",
  },
  {
    case: 'ndpi/fuzz-2006-09-29-28586',
    kind: 'oracle-wrong',
    expected: [null, null, null, 200],
    corrected: ['GET', '172.20.3.13', '/servlets/mms?message-id=189001', 200],
    reason: "tcp.stream 17: frame 63 starts 'GET /servlets/mms?message-id=189001 HTTP/1.1' (1460 bytes, Host 172.20.3.13); its header continuation (seq 1461-1820) is not captured (frame 66 ACKs 1820), so tshark never emits the request, only frame 67 'HTTP/1.1 200 OK' (ack 1820), which answers it",
  },
  {
    case: 'ndpi/fuzz-2006-09-29-28586',
    kind: 'extra',
    produced: [null, null, null, null],
    reason: "frame 22 'HTTP/1.1 100 Continue' is alone on its flow (source address fuzzed to 172.20.3.1); we report it as a response-only transaction with informational [100] and no final status, and the derivation does not count interim responses",
  },
  {
    case: 'ndpi/fuzz-2006-09-29-28586',
    kind: 'extra',
    produced: [null, null, null, 202],
    reason: "tcp.stream 33: frame 110 'HTTP/1.1 100 Continue' is followed by frame 113 'HTTP/1.1 202 Accepted' whose CR is followed by 0x1a (one fuzzed byte where LF belongs); tshark does not dissect frame 113 as a response, we report the 202 (flag parse_error); the request (frame 107, version 'HTTP/d.1') is dissected by neither",
  },
  {
    case: 'ndpi/fuzz-2006-09-29-28586',
    kind: 'extra',
    produced: ['POST', '172.20.3.13', '/servlets/mms', null],
    reason: "tcp.stream 19: frame 72 starts 'POST /servlets/mms HTTP/1.1' with Host 172.20.3.13 (1460 bytes); its continuation, frame 73, has a fuzzed source address (51.20.3.5), so the header section never completes here and tshark emits no request; its response, frame 75, went to a fuzzed address too",
  },
  {
    case: 'ndpi/fuzz-2006-09-29-28586',
    kind: 'extra',
    produced: ['GET', '172.20.3.13', '/servlets/mms?message-id=189301', null],
    reason: "tcp.stream 26: frame 88 starts 'GET /servlets/mms?message-id=189301 HTTP/1.1' with Host 172.20.3.13; frames 88-89 (1819 bytes) hold no CRLFCRLF (fuzzed bytes), so tshark emits no request; the response start, frame 92, went to a fuzzed address (172.20.72.5)",
  },
  {
    case: 'ndpi/fuzz-2006-09-29-28586',
    kind: 'extra',
    produced: [null, null, null, 200],
    reason: `frame 92 'HTTP/1.1 200 OK' (Content-Length 4003) is alone on its flow (destination fuzzed to 172.20.72.5), the capture holds 1314 of its body bytes, and ${TSHARK_CUT}`,
  },
  {
    case: 'ndpi/fuzz-2006-09-29-28586',
    kind: 'extra',
    produced: [null, null, null, 200],
    reason: "frame 103 (19 bytes 'HTTP/1.1 200 OK\\r\\nSe') is alone on its flow (source fuzzed to 172.20.2.13); tshark marks it [BoundErrorUnreassembled Packet] and emits no response, we report the status line (flag response_incomplete)",
  },
  {
    case: 'arkime/arkime_synthetic',
    kind: 'extra',
    produced: ['PRI', null, '*', null],
    reason: "the HTTP/2 connection preface 'PRI * HTTP/2.0' (RFC 9113 §3.4) has the shape of an HTTP/1 request line; arkime reports it as method PRI uri *, tshark decodes it as HTTP/2",
  },
];

/**
 * Cases whose capture file is cut short, so `result.error` is expected.
 * None: `capinfos` reads every corpus capture to its end without error.
 */
const TRUNCATED_CAPTURES: ReadonlySet<string> = new Set<string>();

type OracleWrong = Extract<KnownDifference, { kind: 'oracle-wrong' }>;
type Extra = Extract<KnownDifference, { kind: 'extra' }>;

type Expected = ExpectedTransaction;

interface ConformanceCase {
  id: string;
  capture: string;
  expected: Expected[];
}

interface CaseResult {
  id: string;
  expected: number;
  matched: number;
  missing: Expected[];
  extra: Tuple[];
  error: string | null;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const peersDir = join(repoRoot, 'pcaps', 'peers');
const corpusDir = resolve(repoRoot, '..', 'shared', 'corpus');
const corpusPresent = existsSync(join(corpusDir, 'MANIFEST.tsv'));

/** Cases committed to pcaps/peers, with their expected.jsonl. */
function committedCases(): ConformanceCase[] {
  const index = JSON.parse(readFileSync(join(peersDir, 'cases.json'), 'utf8')) as { source: string; case: string; capture: string }[];
  return index.map((c) => {
    const dir = join(peersDir, c.source, c.case);
    const lines = readFileSync(join(dir, 'expected.jsonl'), 'utf8').split('\n').filter((l) => l.length > 0);
    return { id: `${c.source}/${c.case}`, capture: join(dir, c.capture), expected: lines.map((l) => JSON.parse(l) as Expected) };
  });
}

/** LGPL/GPL cases, read and derived from the shared corpus. */
function corpusOnlyCases(): ConformanceCase[] {
  if (!corpusPresent) return [];
  return readManifest(corpusDir)
    .filter((row) => !PERMISSIVE_SOURCES.includes(row.source))
    .map((row) => {
      const d = deriveCase(corpusDir, row);
      return { id: `${row.source}/${row.case}`, capture: join(corpusDir, row.source, row.case, d.capture), expected: d.expected };
    });
}

const tupleOf = (t: TransactionRecord): Tuple => [t.method, t.host, t.uri, t.status];

function sameAs(e: Expected, t: TransactionRecord): boolean {
  if (e.method !== t.method || e.host !== t.host || e.status !== t.status) return false;
  if (e.uri === null || t.uri === null) return e.uri === t.uri;
  return e.uriForm === 'raw' ? e.uri === t.uri : e.uri === zeekUriForm(t.uri);
}

/** Applies the corrections of KNOWN_DIFFERENCES (oracle shown wrong) to a case's expectations. */
function correctedExpectations(c: ConformanceCase): Expected[] {
  const out = [...c.expected];
  for (const k of KNOWN_DIFFERENCES.filter((d): d is OracleWrong => d.case === c.id && d.kind === 'oracle-wrong')) {
    const i = out.findIndex((e) => JSON.stringify([e.method, e.host, e.uri, e.status]) === JSON.stringify(k.expected));
    if (i < 0) throw new Error(`KNOWN_DIFFERENCES entry for ${c.id} names an expectation that is not there: ${JSON.stringify(k.expected)}`);
    if (k.corrected) out[i] = { ...out[i], method: k.corrected[0], host: k.corrected[1], uri: k.corrected[2], uriForm: 'raw', status: k.corrected[3] };
    else out.splice(i, 1);
  }
  return out;
}

/** Multiset comparison, order-insensitive within the case. */
function compare(expected: Expected[], produced: TransactionRecord[]): { matched: number; missing: Expected[]; extra: Tuple[] } {
  const used = new Array<boolean>(produced.length).fill(false);
  const missing: Expected[] = [];
  let matched = 0;
  for (const e of expected) {
    const i = produced.findIndex((t, k) => !used[k] && sameAs(e, t));
    if (i < 0) missing.push(e);
    else {
      used[i] = true;
      matched++;
    }
  }
  return { matched, missing, extra: produced.filter((_, k) => !used[k]).map(tupleOf) };
}

const results: CaseResult[] = [];
const cases = [...committedCases(), ...corpusOnlyCases()];

describe('peer corpus conformance', () => {
  if (!corpusPresent) {
    console.warn(`conformance: ${corpusDir} not found; the nDPI (LGPL-3.0) and tcpreplay (GPL-3.0) cases are skipped`);
    it.skip('nDPI and tcpreplay cases (LGPL/GPL captures stay in ../shared/corpus, which is absent)', () => {});
  }

  for (const c of cases) {
    it(c.id, async () => {
      let result: Awaited<ReturnType<typeof replayFiles>> | undefined;
      let thrown: unknown = null;
      try {
        result = await replayFiles([c.capture], { workers: 0, collect: true });
      } catch (err) {
        thrown = err;
      }
      expect(thrown, `${c.id}: replayFiles must not throw`).toBeNull();
      if (!result) return;
      const error = result.error ? `${result.error.name}: ${result.error.message}` : null;
      expect(error !== null, `${c.id}: result.error (${error}) only for truncated captures`).toBe(TRUNCATED_CAPTURES.has(c.id));
      const expected = correctedExpectations(c);
      const cmp = compare(expected, result.transactions);
      results.push({ id: c.id, expected: expected.length, error, ...cmp });
      const explained = KNOWN_DIFFERENCES.filter((d): d is Extra => d.case === c.id && d.kind === 'extra').map((d) => JSON.stringify(d.produced));
      const unexplained = cmp.extra.map((t) => JSON.stringify(t)).filter((t) => {
        const i = explained.indexOf(t);
        if (i < 0) return true;
        explained.splice(i, 1);
        return false;
      });
      expect(unexplained, `${c.id}: transactions we report that the oracle lacks must be in KNOWN_DIFFERENCES`).toEqual([]);
    });
  }

  if (corpusPresent) {
    it('tcpreplay rewrites carry the same transactions as tcpreplay/test (oracle equivalence)', () => {
      const byId = new Map(cases.map((c) => [c.id, c.expected]));
      const base = byId.get('tcpreplay/test');
      expect(base?.length).toBe(9);
      for (const id of ['tcpreplay/test.rewrite_vlan802.1ad', 'tcpreplay/test.rewrite_dlthdlc']) {
        expect(equivalence(byId.get(id) ?? [], base ?? []), id).toMatch(/^agree/);
      }
    });

    it('committed expected.jsonl files equal a fresh derivation from the corpus', () => {
      for (const row of readManifest(corpusDir).filter((r) => PERMISSIVE_SOURCES.includes(r.source))) {
        const fresh = deriveCase(corpusDir, row).expected.map(expectedLine);
        const committed = readFileSync(join(peersDir, row.source, row.case, 'expected.jsonl'), 'utf8').split('\n').filter((l) => l);
        expect(committed, `${row.source}/${row.case}`).toEqual(fresh);
      }
    });
  }

  it('overall matched ratio >= 0.99', () => {
    const expected = results.reduce((s, r) => s + r.expected, 0);
    const matched = results.reduce((s, r) => s + r.matched, 0);
    expect(results.length, 'every case ran').toBe(cases.length);
    expect(matched / Math.max(1, expected)).toBeGreaterThanOrEqual(0.99);
  });

  afterAll(() => {
    const rows = results.map((r) => `${r.id.padEnd(58)} ${String(r.expected).padStart(8)} ${String(r.matched).padStart(8)} ${String(r.extra.length).padStart(6)}${r.error ? `  error: ${r.error}` : ''}`);
    const total = results.reduce((a, r) => [a[0] + r.expected, a[1] + r.matched, a[2] + r.extra.length], [0, 0, 0]);
    const detail = results.flatMap((r) => [
      ...r.missing.map((e) => `  ${r.id} MISSING ${JSON.stringify([e.method, e.host, e.uri, e.status])}${e.uriForm === 'zeek' ? ' (uri in Zeek form)' : ''}`),
      ...r.extra.map((t) => `  ${r.id} EXTRA   ${JSON.stringify(t)}`),
    ]);
    console.log(
      [`${'case'.padEnd(58)} ${'expected'.padStart(8)} ${'matched'.padStart(8)} ${'extra'.padStart(6)}`, ...rows,
        `${'TOTAL'.padEnd(58)} ${String(total[0]).padStart(8)} ${String(total[1]).padStart(8)} ${String(total[2]).padStart(6)}`,
        ...(detail.length ? ['mismatches:', ...detail] : [])].join('\n'),
    );
  });
});
