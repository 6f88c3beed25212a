#!/usr/bin/env node
// @ts-check
/**
 * Derives our expected transactions for every corpus case from the peers'
 * oracles, and (run as a script) copies the permissively licensed cases into
 * `pcaps/peers/<source>/<case>/` with their `expected.jsonl`, `pcaps/peers/NOTICE`
 * and `pcaps/peers/cases.json`.
 *
 *   node test/conformance/derive-expected.mjs [CORPUS_DIR]   (default ../shared/corpus)
 *
 * One expected transaction (one JSON line in expected.jsonl):
 *   { method: string|null, host: string|null, uri: string|null,
 *     uriForm: 'raw' | 'zeek',   // 'zeek': uri is Zeek's percent-decoded form
 *     status: number|null,       // final status; null = no response
 *     oracle: 'tshark' | 'zeek' | 'tshark+zeek', note?: string }
 *
 * Rule: tshark (the manifest's variant where it names one) gives raw URIs and
 * the pairing; Zeek's http.log, where present, is merged in (it sees HTTP/0.9,
 * QUERY, lower-case versions and responses tshark drops). Per-case decisions
 * and the reasons oracles disagree are in `case-rules.mjs`; the suricata,
 * arkime, tcpdump and nDPI oracles are cross-checks (`cross-checks.mjs`).
 * The same functions run at test time for the LGPL/GPL cases that stay in the
 * corpus.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsharkTransactions } from './tshark-oracle.mjs';
import { parseZeekHttpLog, zeekUriForm } from './zeek-oracle.mjs';
import { CASE_RULES } from './case-rules.mjs';
import { crossCheck } from './cross-checks.mjs';

/** Sources whose repository license (BSD, MIT, Apache-2.0) lets us copy the captures. */
export const PERMISSIVE_SOURCES = ['zeek', 'suricata-verify', 'arkime', 'gopacket', 'tcpdump'];

/**
 * @typedef {{ method: string|null, host: string|null, uri: string|null, uriForm: 'raw'|'zeek',
 *             status: number|null, oracle: 'tshark'|'zeek'|'tshark+zeek', note?: string }} ExpectedTransaction
 * @typedef {Record<string, string>} ManifestRow
 * @typedef {{ source: string, case: string, capture: string, license: string, tsharkFile: string,
 *             zeekFile: string|null, authority: string, notes: string[], crossChecks: string[],
 *             expected: ExpectedTransaction[] }} DerivedCase
 */

/**
 * @param {string} corpusDir
 * @returns {ManifestRow[]} one row per case, keyed by the MANIFEST.tsv header
 */
export function readManifest(corpusDir) {
  const lines = readFileSync(join(corpusDir, 'MANIFEST.tsv'), 'utf8').split('\n').filter((l) => l);
  const header = lines[0].split('\t');
  return lines.slice(1).map((line) => {
    const f = line.split('\t');
    return Object.fromEntries(header.map((h, i) => [h, f[i] ?? '']));
  });
}

/** @param {ManifestRow} row */
export const caseId = (row) => `${row.source}/${row.case}`;

/** @param {ManifestRow} row @returns {string} the capture's original file name */
export const captureName = (row) => basename(row.path);

/**
 * Picks the tshark file: the manifest's `tshark_variant` means tshark-decodeas.tsv;
 * a case rule may name another (tshark-nodesegment.tsv).
 * @param {string} dir @param {ManifestRow} row
 */
function tsharkFileFor(dir, row) {
  const rule = CASE_RULES[caseId(row)];
  if (rule?.tsharkFile) return rule.tsharkFile;
  if (row.tshark_variant) return 'tshark-decodeas.tsv';
  return 'tshark.tsv';
}

/** @param {string} dir @param {ManifestRow} row @returns {string|null} */
function zeekFileFor(dir, row) {
  const rule = CASE_RULES[caseId(row)];
  const names = rule?.zeekFile ? [rule.zeekFile] : ['http.log', 'http.log.cut'];
  for (const n of names) if (existsSync(join(dir, n))) return n;
  return null;
}

/**
 * @param {import('./tshark-oracle.mjs').TsharkTransaction} t
 * @param {import('./zeek-oracle.mjs').ZeekTransaction} z
 * @param {boolean} exactStatus
 */
function sameTransaction(t, z, exactStatus) {
  if (z.method !== undefined && z.method !== t.method) return false;
  if (z.host !== undefined && (z.host ?? null) !== (t.host ?? null)) return false;
  if (z.uri !== undefined && (z.uri ?? null) !== (t.uri === null ? null : zeekUriForm(t.uri))) return false;
  if (z.status === undefined) return true;
  if (exactStatus) return z.status === t.status;
  return z.status === null || t.status === null;
}

/**
 * Merges tshark and Zeek transactions (see the file comment).
 * @param {import('./tshark-oracle.mjs').TsharkTransaction[]} tshark
 * @param {import('./zeek-oracle.mjs').ZeekTransaction[]} zeek
 * @returns {ExpectedTransaction[]}
 */
function mergeOracles(tshark, zeek) {
  /** @type {ExpectedTransaction[]} */
  const out = [];
  const usedT = new Set();
  const usedZ = new Set();
  for (const exact of [true, false]) {
    zeek.forEach((z, zi) => {
      if (usedZ.has(zi)) return;
      const ti = tshark.findIndex((t, k) => !usedT.has(k) && sameTransaction(t, z, exact));
      if (ti < 0) return;
      usedT.add(ti);
      usedZ.add(zi);
      const t = tshark[ti];
      /** @type {ExpectedTransaction} */
      const e = { method: t.method, host: t.host, uri: t.uri, uriForm: 'raw', status: t.status, oracle: 'tshark+zeek' };
      if (t.status === null && typeof z.status === 'number') {
        e.status = z.status;
        e.note = 'status from Zeek: tshark shows no complete response';
      } else if (z.status === null && t.status !== null) {
        e.note = 'status from tshark: Zeek logs no status';
      }
      out.push(e);
    });
  }
  // A request only Zeek parses (QUERY, HTTP/0.9, lower case) whose response
  // tshark shows alone: one transaction, request from Zeek, status from both.
  zeek.forEach((z, zi) => {
    if (usedZ.has(zi) || !z.method || typeof z.status !== 'number') return;
    const ti = tshark.findIndex((t, k) => !usedT.has(k) && t.method === null && t.status === z.status);
    if (ti < 0) return;
    usedT.add(ti);
    usedZ.add(zi);
    out.push({ method: z.method, host: z.host ?? null, uri: z.uri ?? null, uriForm: 'zeek', status: z.status, oracle: 'tshark+zeek', note: 'request only in Zeek (tshark does not dissect it), response in both' });
  });
  tshark.forEach((t, k) => {
    if (!usedT.has(k)) {
      out.push({ method: t.method, host: t.host, uri: t.uri, uriForm: 'raw', status: t.status, oracle: 'tshark', note: 'not in Zeek http.log' });
    }
  });
  zeek.forEach((z, k) => {
    if (usedZ.has(k)) return;
    out.push({
      method: z.method ?? null,
      host: z.host ?? null,
      uri: z.uri ?? null,
      uriForm: 'zeek',
      status: z.status ?? null,
      oracle: 'zeek',
      note: 'not in tshark output',
    });
  });
  return out;
}

/**
 * Derives the expected transactions of one case from the oracles in `corpusDir`.
 * @param {string} corpusDir
 * @param {ManifestRow} row
 * @returns {DerivedCase}
 * @throws {Error} when an oracle file cannot be read or parsed
 */
export function deriveCase(corpusDir, row) {
  const dir = join(corpusDir, row.source, row.case);
  const id = caseId(row);
  const rule = CASE_RULES[id] ?? {};
  const tsharkFile = tsharkFileFor(dir, row);
  const zeekFile = zeekFileFor(dir, row);
  const { transactions: tshark, skipped } = tsharkTransactions(join(dir, tsharkFile));
  const zeek = zeekFile ? parseZeekHttpLog(join(dir, zeekFile)) : [];
  /** @type {string[]} */
  const notes = [...skipped.map((s) => `${tsharkFile} ${s}: skipped`)];
  let expected = zeekFile
    ? mergeOracles(tshark, zeek)
    : tshark.map((t) => /** @type {ExpectedTransaction} */ ({ method: t.method, host: t.host, uri: t.uri, uriForm: 'raw', status: t.status, oracle: 'tshark' }));
  if (rule.fix) expected = rule.fix(expected);
  if (rule.notes) notes.push(...rule.notes);
  const authority = rule.authority ?? (zeekFile ? `tshark (${tsharkFile}) merged with Zeek ${zeekFile}` : `tshark (${tsharkFile})`);
  return {
    source: row.source,
    case: row.case,
    capture: captureName(row),
    license: row.license,
    tsharkFile,
    zeekFile,
    authority,
    notes,
    crossChecks: crossCheck(dir, row, expected),
    expected,
  };
}

/** @param {ExpectedTransaction} e */
export const expectedLine = (e) => JSON.stringify(e);

/**
 * Copies the permissive cases into `outDir` (pcaps/peers) with their derived
 * expectations; writes NOTICE and cases.json.
 * @param {string} corpusDir @param {string} outDir
 */
function writePeers(corpusDir, outDir) {
  const rows = readManifest(corpusDir).filter((r) => PERMISSIVE_SOURCES.includes(r.source));
  const notice = [
    'Captures in this folder are copied unchanged from the public repositories below, under their licenses.',
    'The expected.jsonl files are ours, derived by test/conformance/derive-expected.mjs from the peers\' oracles.',
    'source/case\trepository\tpath\tcommit\tlicense',
  ];
  /** @type {(Omit<DerivedCase, 'expected'> & { expectedCount: number })[]} */
  const index = [];
  for (const row of rows) {
    const derived = deriveCase(corpusDir, row);
    const caseDir = join(outDir, row.source, row.case);
    mkdirSync(caseDir, { recursive: true });
    copyFileSync(join(corpusDir, row.source, row.case, derived.capture), join(caseDir, derived.capture));
    writeFileSync(join(caseDir, 'expected.jsonl'), derived.expected.map(expectedLine).join('\n') + (derived.expected.length ? '\n' : ''));
    const prov = JSON.parse(readFileSync(join(corpusDir, row.source, row.case, 'PROVENANCE.json'), 'utf8'));
    notice.push(`${caseId(row)}\thttps://github.com/${prov.repo}\t${prov.capture_path}\t${prov.commit}\t${prov.license}`);
    const { expected, ...meta } = derived;
    index.push({ ...meta, expectedCount: expected.length });
  }
  writeFileSync(join(outDir, 'NOTICE'), notice.join('\n') + '\n');
  writeFileSync(join(outDir, 'cases.json'), JSON.stringify(index, null, 1) + '\n');
  return index;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const corpusDir = resolve(repoRoot, process.argv[2] ?? '../shared/corpus');
  const index = writePeers(corpusDir, join(repoRoot, 'pcaps', 'peers'));
  for (const c of index) {
    console.log(`${c.source}/${c.case}\t${c.expectedCount}\t${c.authority}`);
    for (const n of [...c.notes, ...c.crossChecks]) console.log(`    ${n}`);
  }
}
