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
