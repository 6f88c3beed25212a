/**
 * Issue 5 defect: `apisensor serve --inventory-db FILE` serves the findings a
 * replay stored in FILE. The replay runs without `--serve`; the oracle is
 * the `--findings` JSONL file that replay wrote (ids, seqs, revisions, every
 * byte of each finding) and, for the inventory channel, the inventory the
 * service reads from the same file (`/v1/inventory`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SEVERITY_RANK, type Severity } from '../../src/findings/finding.js';
import { spawnCli, type CliProcess } from './cli-process.js';
import { connect, range } from './serve-helpers.js';

const CAPTURE = 'pcaps/attacks/hydra-stuffing.pcap';
const dir = mkdtempSync(join(tmpdir(), 'apisensor-serve-stored-'));
const db = join(dir, 'T.db');
const findingsFile = join(dir, 'F.jsonl');
const children: CliProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Finding { id: string; seq: number; revision: number; type: string; severity: Severity }
interface FindingsPage { findings: Finding[]; gap: unknown; lastSeq: number; nextSince: number }

/** The JSONL lines the replay wrote: the oracle. */
let lines: string[] = [];
let oracle: Finding[] = [];

function sql<T>(query: string): T {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(query).get() as T;
  } finally {
    d.close();
  }
}

async function serve(extra: string[] = []): Promise<{ p: CliProcess; url: string }> {
  const p = spawnCli(['serve', '--inventory-db', db, '--listen', '127.0.0.1:0', '--no-auth', ...extra]);
  children.push(p);
  const url = (await p.waitErr(/serving on (http:\/\/127\.0\.0\.1:\d+) /))[1]!;
  return { p, url };
}

async function stop(p: CliProcess): Promise<void> {
  p.child.kill('SIGINT');
  expect(await p.exit).toBe(0);
}

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url);
  expect(r.status).toBe(200);
  return (await r.json()) as T;
}

beforeAll(async () => {
  const p = spawnCli(['replay', CAPTURE, '--db', db, '--findings', findingsFile, '--quiet', '--workers', '1']);
  children.push(p);
  expect(await p.exit).toBe(0);
  lines = readFileSync(findingsFile, 'utf8').split('\n').filter((l) => l !== '');
  oracle = lines.map((l) => JSON.parse(l) as Finding);
});

describe('serve --inventory-db serves the run a replay stored', () => {
  it('the replay stored one run without --serve', () => {
    expect(oracle.length).toBeGreaterThan(0);
    expect(sql<{ n: number }>('SELECT COUNT(*) AS n FROM stream_runs')).toEqual({ n: 1 });
  });

  for (const ring of [undefined, '5', '1']) {
    it(`/v1/findings and a since=0 stream give exactly the findings file (ring ${ring ?? 'default'})`, async () => {
      const { p, url } = await serve(ring === undefined ? [] : ['--ring', ring]);

      // HTTP API, one page: every finding, byte for byte.
      const page = await getJson<FindingsPage>(`${url}/v1/findings?since=0`);
      expect(page.gap).toBeNull();
      expect(page.findings.map((f) => JSON.stringify(f))).toEqual(lines);
      const lastSeq = page.lastSeq;
      expect(lastSeq).toBeGreaterThanOrEqual(oracle.at(-1)!.seq);

      // Pages of 2 through nextSince: no loss, no duplicate.
      const paged: Finding[] = [];
      for (let since = 0; ;) {
        const pg = await getJson<FindingsPage>(`${url}/v1/findings?since=${since}&limit=2`);
        if (pg.findings.length === 0) break;
        paged.push(...pg.findings);
        since = pg.nextSince;
      }
      expect(paged.map((f) => [f.id, f.seq, f.revision])).toEqual(oracle.map((f) => [f.id, f.seq, f.revision]));

      // Filters: one type, and a minimum severity.
      const type = oracle[0]!.type;
      const byType = await getJson<FindingsPage>(`${url}/v1/findings?since=0&type=${type}`);
      expect(byType.findings.map((f) => f.seq)).toEqual(oracle.filter((f) => f.type === type).map((f) => f.seq));
      const high = await getJson<FindingsPage>(`${url}/v1/findings?since=0&severity=high`);
      expect(high.findings.map((f) => f.seq)).toEqual(oracle.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.high).map((f) => f.seq));

      // Stream, findings channel, since=0: hello lastSeq is the run's, then every finding once.
      const c = await connect(`${url.replace('http', 'ws')}/v1/stream?since=0`);
      await c.until((m) => m.some((x) => x.seq === oracle.at(-1)!.seq));
      const hello = c.messages[0]!;
      expect(hello).toMatchObject({ type: 'hello', lastSeq });
      if (ring !== undefined) expect(hello.oldestSeq).toBe(lastSeq - Number(ring) + 1);
      expect(c.messages.some((m) => m.type === 'gap')).toBe(false);
      expect(c.messages.slice(1).map((m) => JSON.stringify(m.finding))).toEqual(lines);
      c.ws.close();

      // Both channels: every seq 1..lastSeq exactly once; the inventory events
      // match the inventory stored in the same file.
      const all = await connect(`${url.replace('http', 'ws')}/v1/stream?since=0&channel=findings,inventory`);
      await all.until((m) => m.some((x) => x.seq === lastSeq));
      const msgs = all.messages.slice(1);
      expect(msgs.map((m) => m.seq)).toEqual(range(1, lastSeq));
      const inv = await getJson<{ endpoints: { key: string; dataClasses: unknown[] }[] }>(`${url}/v1/inventory`);
      const newEndpoints = msgs.filter((m) => m.event === 'new_endpoint').map((m) => (m.endpoint as { key: string }).key);
      expect(newEndpoints.sort()).toEqual(inv.endpoints.map((e) => e.key).sort());
      expect(msgs.filter((m) => m.event === 'new_data_class').length).toBe(inv.endpoints.reduce((n, e) => n + e.dataClasses.length, 0));
      all.ws.close();

      // A resume from the middle: exactly the rest.
      const mid = oracle[Math.floor(oracle.length / 2)]!.seq;
      const r = await connect(`${url.replace('http', 'ws')}/v1/stream?since=${mid}`);
      await r.until((m) => m.some((x) => x.seq === oracle.at(-1)!.seq));
      expect(r.messages.slice(1).map((m) => JSON.stringify(m.finding))).toEqual(lines.filter((_, i) => oracle[i]!.seq > mid));
      r.ws.close();

      await stop(p);
      // Serving alone wrote nothing: still one run.
      expect(sql<{ n: number }>('SELECT COUNT(*) AS n FROM stream_runs')).toEqual({ n: 1 });
    });
  }

  it('--load-findings follows the stored run in memory, numbered after its last seq, and never writes the file', async () => {
    const first = await serve();
    const lastSeq = (await getJson<FindingsPage>(`${first.url}/v1/findings?since=0`)).lastSeq;
    await stop(first.p);
    const before = sql<{ n: number; hi: number }>('SELECT COUNT(*) AS n, MAX(seq) AS hi FROM stream_messages');

    for (let round = 0; round < 2; round++) {
      const { p, url } = await serve(['--load-findings', findingsFile]);
      const page = await getJson<FindingsPage>(`${url}/v1/findings?since=${lastSeq}`);
      expect(page.findings.map((f) => [f.id, f.seq, f.revision])).toEqual(oracle.map((f, i) => [f.id, lastSeq + 1 + i, f.revision]));
      expect(page.lastSeq).toBe(lastSeq + oracle.length);
      await stop(p);
      // Nothing stored: serving twice never stores the loaded findings twice.
      expect(sql<{ n: number; hi: number }>('SELECT COUNT(*) AS n, MAX(seq) AS hi FROM stream_messages')).toEqual(before);
    }

    // Served again without them: only the stored findings.
    const again = await serve();
    const all = await getJson<FindingsPage>(`${again.url}/v1/findings?since=0`);
    expect(all.findings.map((f) => f.id)).toEqual(oracle.map((f) => f.id));
    await stop(again.p);
  });

  it('refuses a database file that does not exist, in one line, and creates nothing', () => {
    const missing = join(dir, 'typo.db');
    const r = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', '--inventory-db', missing, '--listen', '127.0.0.1:0', '--no-auth'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`apisensor: ${missing}: no inventory database (run 'apisensor replay FILE --db ${missing}' first) [ERR_STORE_MISSING]`]);
    expect(existsSync(missing)).toBe(false);
  });
});
